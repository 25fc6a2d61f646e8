//! Special functions: the gamma function (for Weibull means), the
//! regularised incomplete beta function, and the Student t quantile built on
//! them. Pure math, no dependencies.
//!
//! Γ is the Lanczos approximation with g = 7, n = 9 (the widely published
//! coefficient set), about 15 correct digits over the positive reals; `std`
//! has no stable gamma function and a special-functions crate for three
//! formulas is not worth it.

use std::f64::consts::PI;

const G: f64 = 7.0;
const COEFFICIENTS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// ln Γ(x) for x > 0 (NaN otherwise). Stays finite far beyond where Γ(x)
/// overflows (x ≈ 171.6), which is why the Weibull conversion works in logs.
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1−x) = π / sin(πx); the series is accurate for x >= 0.5.
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let z = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (z + i as f64);
    }
    let t = z + G + 0.5;
    0.5 * (2.0 * PI).ln() + (z + 0.5) * t.ln() - t + sum.ln()
}

/// Γ(x) for x > 0 (NaN otherwise; +inf once it overflows, x > ~171.6).
pub fn gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x < 0.5 {
        return PI / ((PI * x).sin() * gamma(1.0 - x));
    }
    let z = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (z + i as f64);
    }
    let t = z + G + 0.5;
    // t^(z+0.5) overflows before Γ does; split the power to push the limit out.
    let half = t.powf(0.5 * (z + 0.5));
    (2.0 * PI).sqrt() * half * (half * (-t).exp()) * sum
}

/// The regularised incomplete beta function I_x(a, b), by the continued
/// fraction of Numerical Recipes (modified Lentz), using the symmetry
/// I_x(a, b) = 1 - I_{1-x}(b, a) where the fraction converges fastest.
pub fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_fraction(x, a, b) / a
    } else {
        1.0 - ln_front.exp() * beta_fraction(1.0 - x, b, a) / b
    }
}

fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-15;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    // One modified-Lentz step: folds coefficient `aa` into (c, d) and
    // returns the factor it multiplies the fraction by.
    let step = |aa: f64, c: &mut f64, d: &mut f64| {
        *d = 1.0 + aa * *d;
        if d.abs() < TINY {
            *d = TINY;
        }
        *c = 1.0 + aa / *c;
        if c.abs() < TINY {
            *c = TINY;
        }
        *d = 1.0 / *d;
        *d * *c
    };
    for m in 1..=300 {
        let m = m as f64;
        let m2 = 2.0 * m;
        h *= step(m * (b - m) * x / ((qam + m2) * (a + m2)), &mut c, &mut d);
        let delta = step(
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
            &mut c,
            &mut d,
        );
        h *= delta;
        if (delta - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// P(X <= k) for X binomial with `m` trials of probability `p`.
pub fn binomial_cdf(k: u64, m: u64, p: f64) -> f64 {
    if k >= m {
        return 1.0;
    }
    // P(X <= k) = I_{1-p}(m - k, k + 1).
    incomplete_beta(1.0 - p, (m - k) as f64, k as f64 + 1.0)
}

/// The Clopper–Pearson interval for a binomial proportion, `k` successes
/// in `m` trials, at confidence 1 - `alpha` (two-sided, alpha/2 each side):
/// the exact interval, never narrower than it should be.
pub fn clopper_pearson(k: u64, m: u64, alpha: f64) -> (f64, f64) {
    if m == 0 {
        return (0.0, 1.0);
    }
    let k = k.min(m);
    // The p where a decreasing function of p crosses `target`, by bisection.
    let solve = |f: &dyn Fn(f64) -> f64, target: f64| {
        let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if f(mid) > target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    };
    // Lower: P(X >= k | p) = alpha/2; upper: P(X <= k | p) = alpha/2.
    let lower = if k == 0 {
        0.0
    } else {
        solve(&|p| binomial_cdf(k - 1, m, p), 1.0 - alpha / 2.0)
    };
    let upper = if k == m {
        1.0
    } else {
        solve(&|p| binomial_cdf(k, m, p), alpha / 2.0)
    };
    (lower, upper)
}

/// P(T <= t) for Student's t with `df` degrees of freedom.
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    let x = df / (df + t * t);
    let tail = 0.5 * incomplete_beta(x, df / 2.0, 0.5);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// The `p` quantile of Student's t with `df` degrees of freedom, for p in
/// (0.5, 1): bisection on the CDF to full double precision.
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    debug_assert!(p > 0.5 && p < 1.0 && df > 0.0);
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    while student_t_cdf(hi, df) < p {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if student_t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-15 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_cdf_is_the_sum_of_the_terms() {
        for &(m, p) in &[(10u64, 0.3f64), (72, 0.05), (200, 0.9)] {
            let mut sum = 0.0;
            for k in 0..m {
                // C(m, k) p^k (1-p)^(m-k), through logarithms.
                let ln_c = ln_gamma(m as f64 + 1.0)
                    - ln_gamma(k as f64 + 1.0)
                    - ln_gamma((m - k) as f64 + 1.0);
                sum += (ln_c + k as f64 * p.ln() + (m - k) as f64 * (1.0 - p).ln()).exp();
                let got = binomial_cdf(k, m, p);
                assert!(
                    (got - sum).abs() < 1e-10,
                    "m {m} p {p} k {k}: {got} vs {sum}"
                );
            }
            assert_eq!(binomial_cdf(m, m, p), 1.0);
        }
    }

    #[test]
    fn clopper_pearson_matches_closed_forms() {
        // k = 0: the upper bound solves (1 - p)^m = alpha/2.
        let (lo, hi) = clopper_pearson(0, 72, 0.05);
        assert_eq!(lo, 0.0);
        assert!((hi - (1.0 - 0.025f64.powf(1.0 / 72.0))).abs() < 1e-12);
        // k = m: the lower bound solves p^m = alpha/2.
        let (lo, hi) = clopper_pearson(20, 20, 0.05);
        assert_eq!(hi, 1.0);
        assert!((lo - 0.025f64.powf(1.0 / 20.0)).abs() < 1e-12);
        // In between: the bounds hit their tail probabilities exactly.
        let (lo, hi) = clopper_pearson(7, 50, 0.05);
        assert!((binomial_cdf(7, 50, hi) - 0.025).abs() < 1e-12);
        assert!((1.0 - binomial_cdf(6, 50, lo) - 0.025).abs() < 1e-12);
        assert!(lo < 7.0 / 50.0 && 7.0 / 50.0 < hi);
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    #[test]
    fn incomplete_beta_closed_forms() {
        // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 - (1 - x)^b.
        for &x in &[0.01, 0.3, 0.5, 0.77, 0.99] {
            assert!(close(incomplete_beta(x, 1.0, 1.0), x, 1e-13));
            assert!(close(incomplete_beta(x, 2.5, 1.0), x.powf(2.5), 1e-12));
            assert!(close(
                incomplete_beta(x, 1.0, 3.0),
                1.0 - (1.0 - x).powi(3),
                1e-12
            ));
        }
    }

    #[test]
    fn t_quantiles_match_closed_forms_and_tables() {
        // df = 1 is Cauchy: tan(π (p - 1/2)); df = 2: t = (2p-1) sqrt(2 / (4p(1-p))).
        assert!(close(
            student_t_quantile(0.975, 1.0),
            (PI * 0.475).tan(),
            1e-10
        ));
        let p: f64 = 0.975;
        let df2 = (2.0 * p - 1.0) * (2.0 / (4.0 * p * (1.0 - p))).sqrt();
        assert!(close(student_t_quantile(p, 2.0), df2, 1e-10));
        // Printed tables (4 significant digits) and the normal limit 1.959964.
        assert!(close(student_t_quantile(0.975, 10.0), 2.228, 2e-4));
        assert!(close(student_t_quantile(0.975, 30.0), 2.042, 2e-4));
        assert!(close(student_t_quantile(0.975, 1e7), 1.959_964, 1e-5));
    }
}

#[cfg(test)]
mod gamma_tests {
    use super::*;

    fn assert_rel(actual: f64, expected: f64, tol: f64) {
        let rel = ((actual - expected) / expected).abs();
        assert!(rel <= tol, "{actual} vs {expected}: relative error {rel:e}");
    }

    /// Γ(1/4), from the literature (OEIS A068466).
    const GAMMA_QUARTER: f64 = 3.625_609_908_221_908;

    #[test]
    fn exact_values() {
        assert_rel(gamma(0.5), PI.sqrt(), 1e-14);
        assert_rel(gamma(1.5), PI.sqrt() / 2.0, 1e-14);
        assert_rel(gamma(1.0), 1.0, 1e-14);
        assert_rel(gamma(2.0), 1.0, 1e-14);
        assert_rel(gamma(5.0), 24.0, 1e-14);
        assert_rel(gamma(11.0), 3_628_800.0, 1e-13);
        // Γ(1 + 1/0.8) = Γ(2.25) = 1.25 · 0.25 · Γ(1/4): the Weibull shape 0.8 factor.
        assert_rel(gamma(1.0 + 1.0 / 0.8), 1.25 * 0.25 * GAMMA_QUARTER, 1e-14);
        assert_rel(gamma(0.25), GAMMA_QUARTER, 1e-14);
        // Γ(1 + 1/2) = √π/2: Weibull shape 2 (Rayleigh).
        assert_rel(gamma(1.0 + 1.0 / 2.0), PI.sqrt() / 2.0, 1e-14);
    }

    #[test]
    fn ln_gamma_matches_gamma() {
        for x in [0.1, 0.25, 0.5, 1.0, 1.25, 2.25, 3.5, 10.3, 50.0, 170.0] {
            assert_rel(ln_gamma(x).exp(), gamma(x), 1e-12);
        }
        assert!(ln_gamma(1.0).abs() < 1e-15);
        assert!(ln_gamma(2.0).abs() < 1e-15);
        // Far past where Γ overflows: ln Γ(1000.5), via Stirling to 1e-12.
        assert_rel(ln_gamma(1000.5), 5_908.674_175_848_678, 1e-13);
    }

    #[test]
    fn outside_the_domain() {
        assert!(gamma(0.0).is_nan());
        assert!(gamma(-1.5).is_nan());
        assert!(ln_gamma(0.0).is_nan());
        assert!(ln_gamma(f64::NAN).is_nan());
        assert!(gamma(200.0).is_infinite());
    }
}
