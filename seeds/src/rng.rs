//! A small deterministic PRNG (SplitMix64) and the few distributions the generator needs.
//!
//! Every random draw comes from a stream seeded by a fixed tuple (seed, purpose, unit, day, ...),
//! so the output never depends on iteration order, hash maps or threads.

/// The SplitMix64 finaliser: a bijective 64-bit mixer.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of a string: a stable (platform- and version-independent) hash for unit ids.
pub fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01B3);
    }
    h
}

/// Purposes of the random streams, so that two streams for the same unit and day differ.
pub mod tag {
    pub const APPEAL_DAY: u64 = 1;
    pub const APPEAL_MATCH: u64 = 2;
    pub const SERVICE_DAY: u64 = 3;
    pub const STAFF: u64 = 4;
    pub const UNIT_PARAMS: u64 = 5;
    pub const APPEAL_CLOSE: u64 = 6;
    pub const EMPLOYEES: u64 = 7;
    pub const ANSWERED_BY: u64 = 8;
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A stream keyed by `seed` and the parts (purpose tag, unit hash, day, ...).
    pub fn stream(seed: u64, parts: &[u64]) -> Rng {
        let mut h = mix(seed ^ GOLDEN);
        for &p in parts {
            h = mix(h.wrapping_add(GOLDEN) ^ mix(p.wrapping_add(0x632B_E59B_D9B4_E019)));
        }
        Rng(h)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in (0, 1): safe for logarithms and the inverse normal CDF.
    pub fn open01(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// Uniform integer in [0, n); n must be > 0.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Standard normal deviate (inverse CDF of one uniform: one draw per deviate).
    pub fn normal(&mut self) -> f64 {
        inv_norm(self.open01())
    }

    /// Poisson deviate: Knuth's product method for small means, a rounded normal above 30.
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda < 30.0 {
            let limit = (-lambda).exp();
            let mut k = 0;
            let mut p = self.f64();
            while p > limit {
                k += 1;
                p *= self.f64();
            }
            k
        } else {
            let x = lambda + lambda.sqrt() * self.normal();
            x.round().max(0.0) as u64
        }
    }

    /// Index drawn from cumulative weights (`cum` ascending, last element = total).
    pub fn pick(&mut self, cum: &[f64]) -> usize {
        let total = cum[cum.len() - 1];
        let x = self.f64() * total;
        cum.iter().position(|&c| x < c).unwrap_or(cum.len() - 1)
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// Cumulative sums of `weights` into `out` (same length).
pub fn cumulate(weights: &[f64], out: &mut [f64]) {
    let mut acc = 0.0;
    for (o, w) in out.iter_mut().zip(weights) {
        acc += w.max(0.0);
        *o = acc;
    }
}

/// Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9).
pub fn inv_norm(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.024_25;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p <= 1.0 - LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_with_different_keys_differ_and_equal_keys_repeat() {
        let a: Vec<u64> = (0..4).map(|_| Rng::stream(1, &[2, 3]).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(
            Rng::stream(1, &[2, 3]).next_u64(),
            Rng::stream(1, &[3, 2]).next_u64()
        );
    }

    #[test]
    fn inverse_normal_cdf_hits_known_quantiles() {
        assert!(inv_norm(0.5).abs() < 1e-9);
        assert!((inv_norm(0.975) - 1.959_963_985).abs() < 1e-6);
        assert!((inv_norm(0.001) + 3.090_232_306).abs() < 1e-6);
    }

    #[test]
    fn poisson_mean_is_close_to_lambda() {
        let mut r = Rng::stream(7, &[1]);
        for lambda in [0.3, 4.0, 80.0] {
            let n = 20_000;
            let sum: u64 = (0..n).map(|_| r.poisson(lambda)).sum();
            let mean = sum as f64 / n as f64;
            assert!(
                (mean - lambda).abs() < 0.05 * lambda + 0.02,
                "{lambda}: {mean}"
            );
        }
    }
}
