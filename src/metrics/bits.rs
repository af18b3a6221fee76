//! Floating-point numbers stored as their IEEE-754 bit patterns, for serde.
//!
//! A shard's partial result must merge into exactly the sums a single run
//! computes: decimal text can lose the last bit on the way back (serde_json's
//! default float parser is not always correctly rounded) and JSON has no NaN.
//! The bit pattern as a `u64` has neither problem. Use as
//! `#[serde(with = "crate::metrics::bits")]`.

use serde::{Deserialize, Deserializer, Serializer};

/// Writes `x` as its bit pattern.
pub fn serialize<S: Serializer>(x: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(x.to_bits())
}

/// Reads a bit pattern back into the same `f64`.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    u64::deserialize(deserializer).map(f64::from_bits)
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Wrapped(#[serde(with = "super")] f64);

    #[test]
    fn every_value_comes_back_bit_for_bit() {
        for x in [
            0.1 + 0.2,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::MIN_POSITIVE / 3.0,
            1e300,
        ] {
            let text = serde_json::to_string(&Wrapped(x)).unwrap();
            let back: Wrapped = serde_json::from_str(&text).unwrap();
            assert_eq!(back.0.to_bits(), x.to_bits(), "{text}");
        }
    }
}
