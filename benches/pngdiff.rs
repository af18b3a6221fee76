//! `pngdiff A.png B.png`: whether two PNGs show the same pixels, whatever
//! their encoding (colour type, bit depth, filters, compression). Used by
//! scripts/compare-outputs, where a faster encoder may change a plot's bytes
//! but must not change its picture.
//!
//! Both images are decoded to 8-bit RGBA. Exit 0: same size and pixels;
//! 1: they differ (a line says how); 2: a file could not be read as a PNG.

use std::fs::File;
use std::io::{BufReader, Read};
use std::process::ExitCode;

/// A decoded image: width, height and RGBA bytes, row by row.
struct Rgba {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [a, b] = args.as_slice() else {
        eprintln!("usage: pngdiff A.png B.png (got {} arguments)", args.len());
        return ExitCode::from(2);
    };
    let (left, right) = match (decode(a), decode(b)) {
        (Ok(left), Ok(right)) => (left, right),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("pngdiff: {e}");
            return ExitCode::from(2);
        }
    };
    match difference(&left, &right) {
        None => ExitCode::SUCCESS,
        Some(how) => {
            println!("{a} vs {b}: {how}");
            ExitCode::from(1)
        }
    }
}

/// How two images differ, or `None` when every pixel is the same.
fn difference(left: &Rgba, right: &Rgba) -> Option<String> {
    if (left.width, left.height) != (right.width, right.height) {
        return Some(format!(
            "size {}x{} vs {}x{}",
            left.width, left.height, right.width, right.height
        ));
    }
    let mut differing = left
        .pixels
        .chunks_exact(4)
        .zip(right.pixels.chunks_exact(4))
        .enumerate()
        .filter(|(_, (l, r))| l != r)
        .map(|(i, _)| i);
    let first = differing.next()?;
    let count = 1 + differing.count();
    let (x, y) = (first % left.width as usize, first / left.width as usize);
    Some(format!(
        "{count} of {} pixels differ, the first at (x {x}, y {y})",
        left.pixels.len() / 4
    ))
}

/// Reads `path` as 8-bit RGBA.
fn decode(path: &str) -> Result<Rgba, String> {
    let file = File::open(path).map_err(|e| format!("{path}: {e}"))?;
    read(BufReader::new(file)).map_err(|e| format!("{path}: {e}"))
}

/// Decodes a PNG to 8-bit RGBA (palette, grey and 16-bit images are expanded).
fn read(input: impl Read) -> Result<Rgba, String> {
    let fail = |e: &dyn std::fmt::Display| e.to_string();
    let mut decoder = png::Decoder::new(input);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| fail(&e))?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).map_err(|e| fail(&e))?;
    buf.truncate(info.buffer_size());
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => {
            return Err(fail(&format!(
                "unexpected colour type {other:?} after expansion"
            )));
        }
    };
    // Rows may be padded; take each row's pixels only.
    let row = info.line_size;
    let used = info.width as usize * channels;
    let mut pixels = Vec::with_capacity(info.width as usize * info.height as usize * 4);
    for line in buf.chunks_exact(row) {
        for px in line[..used].chunks_exact(channels) {
            let rgba = match *px {
                [g] => [g, g, g, 255],
                [g, a] => [g, g, g, a],
                [r, g, b] => [r, g, b, 255],
                [r, g, b, a] => [r, g, b, a],
                _ => unreachable!("chunks of 1 to 4 channels"),
            };
            pixels.extend_from_slice(&rgba);
        }
    }
    Ok(Rgba {
        width: info.width,
        height: info.height,
        pixels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(pixels: &[[u8; 4]], width: u32) -> Rgba {
        Rgba {
            width,
            height: pixels.len() as u32 / width,
            pixels: pixels.concat(),
        }
    }

    #[test]
    fn counts_differing_pixels_and_locates_the_first() {
        let white = [255, 255, 255, 255];
        let black = [0, 0, 0, 255];
        let a = image(&[white, white, white, white], 2);
        assert_eq!(difference(&a, &a), None);
        let b = image(&[white, white, black, black], 2);
        assert_eq!(
            difference(&a, &b).as_deref(),
            Some("2 of 4 pixels differ, the first at (x 0, y 1)")
        );
        let wide = image(&[white, white, white, white], 4);
        assert_eq!(difference(&a, &wide).as_deref(), Some("size 2x2 vs 4x1"));
    }

    fn encode(color: png::ColorType, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, 2, 1);
        encoder.set_color(color);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(data).unwrap();
        writer.finish().unwrap();
        out
    }

    #[test]
    fn the_same_picture_in_two_encodings_is_the_same() {
        let rgb = encode(png::ColorType::Rgb, &[10, 20, 30, 40, 50, 60]);
        let rgba = encode(png::ColorType::Rgba, &[10, 20, 30, 255, 40, 50, 60, 255]);
        assert_ne!(rgb, rgba);
        let (a, b) = (read(&rgb[..]).unwrap(), read(&rgba[..]).unwrap());
        assert_eq!(difference(&a, &b), None);
        let other = encode(png::ColorType::Rgb, &[10, 20, 30, 40, 50, 61]);
        assert_eq!(
            difference(&a, &read(&other[..]).unwrap()).as_deref(),
            Some("1 of 2 pixels differ, the first at (x 1, y 0)")
        );
        assert!(read(&b"not a png"[..]).is_err());
    }
}
