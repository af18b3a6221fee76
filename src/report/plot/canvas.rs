//! An in-memory RGB canvas and its PNG encoding.
//!
//! Plots draw into a byte buffer (`BitMapBackend::with_buffer`) rather than a
//! file: plotters can only save to a path, and plot functions must stay pure, so
//! the finished buffer is encoded here with the `png` crate.

use super::PlotError;
use super::style::{self, draw_err};
use plotters::coord::Shift;
use plotters::prelude::*;

/// The drawing area every plot function draws on.
pub type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Renders `draw` on a white `width × height` canvas and returns the PNG bytes.
/// A failed draw returns its error and no bytes, never a half-drawn image.
pub fn render(
    (width, height): (u32, u32),
    draw: impl FnOnce(&Area) -> Result<(), PlotError>,
) -> Result<Vec<u8>, PlotError> {
    style::ensure_font()?;
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        draw(&root)?;
        root.present().map_err(draw_err)?;
    }
    encode_png(&rgb, width, height)
}

/// Encodes 8-bit RGB pixels as a PNG.
pub fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, PlotError> {
    let encode = |out: &mut Vec<u8>| -> Result<(), png::EncodingError> {
        let mut encoder = png::Encoder::new(out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // Fast (fdeflate) with adaptive filtering: writing a results folder's
        // three plots takes about 25 ms instead of 90 ms with the best
        // compression, for files about 2.5 times larger (130 KB instead of
        // 50 KB at 1600 × 1000); the pixels are the same.
        encoder.set_compression(png::Compression::Fast);
        encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()
    };
    let mut out = Vec::new();
    encode(&mut out).map_err(|e| PlotError::Encode(e.to_string()))?;
    Ok(out)
}

/// Draws the plot title centered at the top of `area` and returns the area below it.
pub fn titled<'a>(area: &Area<'a>, title: &str) -> Result<Area<'a>, PlotError> {
    // ab_glyph draws glyphs about a quarter of the font size above the requested
    // position, so without this margin the title's top is cut off.
    area.margin(style::TITLE_SIZE / 2, 0, 0, 0)
        .titled(title, style::text(style::TITLE_SIZE))
        .map_err(draw_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_canvas_encodes_to_a_white_png_of_its_size() {
        let bytes = render((40, 30), |_| Ok(())).unwrap();
        let decoder = png::Decoder::new(bytes.as_slice());
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!((info.width, info.height), (40, 30));
        assert!(pixels[..info.buffer_size()].iter().all(|&b| b == 255));
    }

    #[test]
    fn a_failing_draw_gives_no_bytes() {
        let result = render((40, 30), |_| Err(PlotError::NoData("nothing".into())));
        assert!(matches!(result, Err(PlotError::NoData(_))));
    }
}
