//! Every chart of a design study, drawn headless with plotters as SVG (to
//! inline in HTML) and PNG (for Markdown and files).
//!
//! Text uses DejaVu Sans compiled into the binary (`assets/fonts`), so no
//! system font library is needed: SVG text names it first in its
//! `font-family` (browsers fall back to their sans-serif), and PNG text is
//! rasterised here from the embedded font with ab_glyph at the size the SVG
//! asks for. Charts are laid out here in pixels: the title, legend, axes,
//! ticks and labels are placed by this module rather than by plotters'
//! mesh, so that log axes always have ticks, categorical rows keep every
//! label, long names end in an ellipsis and no input can panic the drawing.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontDesc, FontFamily, FontStyle, FontTransform};

use super::human::{human_duration_minutes, percent};
use crate::stats::Interval;

/// One rendered chart.
pub struct Chart {
    /// File name without extension, e.g. "availability"; unique within a report.
    pub file_stem: String,
    /// Human title (also drawn on the chart).
    pub title: String,
    /// One sentence saying how to read it (for the report's caption).
    pub caption: String,
    /// Standalone SVG document (starts with "<svg", no XML prolog, so it can be inlined in HTML).
    pub svg: String,
    /// PNG file bytes.
    pub png: Vec<u8>,
}

/// Everything the charts of a design study show.
pub struct ChartInput {
    /// Indicator the study ranks on, e.g. "api"; named in titles.
    pub indicator: String,
    /// Cause names, in order, for the stacked downtime bars.
    pub causes: Vec<String>,
    /// Designs in ranked order.
    pub designs: Vec<DesignChartData>,
    /// Sweeps of the study (may be empty).
    pub sweeps: Vec<SweepChartData>,
    /// One sample replication around an outage (may be None).
    pub timeline: Option<Timeline>,
}

/// One design of the study.
pub struct DesignChartData {
    pub name: String,
    /// Availability of `indicator`: mean and 95% interval (fractions, e.g. 0.99995).
    pub availability: Interval,
    /// Downtime minutes per year of `indicator`, by cause, same order as `causes` (sums to the total).
    pub downtime_by_cause: Vec<f64>,
    /// Outage-length distribution of `indicator`: (cumulative probability, minutes), increasing in both; empty when no outage was seen.
    pub outage_minutes_quantiles: Vec<(f64, f64)>,
    /// RPO distribution (minutes of data lost per data-loss event): same shape; empty when the design can lose no data or none was lost.
    pub rpo_minutes_quantiles: Vec<(f64, f64)>,
    /// Monthly cost of the design's hosts, when the study gives costs.
    pub monthly_cost: Option<f64>,
    /// Currency label for the cost axis, e.g. "USD" (may be empty).
    pub currency: String,
    /// No other design is both cheaper (or equal) and more available (or equal), with one strictly better.
    pub on_frontier: bool,
}

/// One swept setting of the study.
pub struct SweepChartData {
    /// Key path swept, e.g. "control_plane.node.repair.median".
    pub key: String,
    /// Axis label, e.g. "control-plane node repair median (minutes)".
    pub x_label: String,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// One line per combination of the study's other settings.
    pub series: Vec<SweepSeries>,
}

/// One line of a sweep.
pub struct SweepSeries {
    pub label: String,
    /// (x, availability of `indicator` with interval), x increasing.
    pub points: Vec<(f64, Interval)>,
}

/// One sample replication around an outage.
pub struct Timeline {
    /// e.g. "stacked-3, replication 17: api outage of 42 min (host failure)".
    pub title: String,
    /// Window shown, seconds since the replication's start.
    pub start: f64,
    pub end: f64,
    /// Rows top to bottom: components then indicators.
    pub rows: Vec<TimelineRow>,
}

/// One row of a timeline.
pub struct TimelineRow {
    pub label: String,
    /// True for indicator rows (drawn below a separator, labels in bold).
    pub indicator: bool,
    /// Consecutive spans covering [start, end].
    pub spans: Vec<TimelineSpan>,
}

/// A stretch of one state.
pub struct TimelineSpan {
    pub from: f64,
    pub to: f64,
    /// State label, e.g. "up", "down", "failed"; coloured by label.
    pub state: String,
}

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("embedded font: {0}")]
    Font(String),
    #[error("drawing chart: {0}")]
    Draw(String),
    #[error("encoding PNG: {0}")]
    Png(String),
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ChartError::Draw(e.to_string())
    }
}

impl From<png::EncodingError> for ChartError {
    fn from(e: png::EncodingError) -> Self {
        ChartError::Png(e.to_string())
    }
}

/// Every chart the input allows, in this order: availability,
/// downtime_by_cause, outage_durations, rpo (only if some design has RPO
/// quantiles), cost (only if there are designs and every one has a cost),
/// one "sweep-<n>" per sweep, timeline (if Some).
pub fn render_all(input: &ChartInput) -> Result<Vec<Chart>, ChartError> {
    load_fonts()?;
    let mut figures = vec![
        availability(input),
        downtime(input),
        quantiles(input, false),
    ];
    if input
        .designs
        .iter()
        .any(|d| !d.rpo_minutes_quantiles.is_empty())
    {
        figures.push(quantiles(input, true));
    }
    if !input.designs.is_empty() && input.designs.iter().all(|d| d.monthly_cost.is_some()) {
        figures.push(cost(input));
    }
    for (i, sweep) in input.sweeps.iter().enumerate() {
        figures.push(sweep_figure(input, i + 1, sweep));
    }
    if let Some(t) = &input.timeline {
        figures.push(timeline(t));
    }
    figures.iter().map(render).collect()
}

// ---------------------------------------------------------------------------
// Fonts, colours, text

/// The family SVG text asks for: the embedded font when the browser has
/// it, its own sans-serif otherwise.
const FAMILY: &str = "DejaVu Sans, sans-serif";
static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// The embedded faces, regular and bold, parsed once.
fn faces() -> Option<&'static [FontRef<'static>; 2]> {
    static FACES: OnceLock<Option<[FontRef<'static>; 2]>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            Some([
                FontRef::try_from_slice(REGULAR).ok()?,
                FontRef::try_from_slice(BOLD).ok()?,
            ])
        })
        .as_ref()
}

fn face(bold: bool) -> Option<&'static FontRef<'static>> {
    faces().map(|f| &f[usize::from(bold)])
}

fn load_fonts() -> Result<(), ChartError> {
    match faces() {
        Some(_) => Ok(()),
        None => Err(ChartError::Font(
            "the embedded DejaVu Sans did not load".into(),
        )),
    }
}

/// The pixels per em of text of `size`: what plotters writes as the SVG
/// font-size.
fn em(size: f64) -> f32 {
    (size / 1.24) as f32
}

/// ab_glyph's scale (by line height) for an em of `em` pixels.
fn px_scale(f: &FontRef, em: f32) -> PxScale {
    let per_em = f.units_per_em().unwrap_or(2048.0);
    PxScale::from(em * f.height_unscaled() / per_em)
}

const WIDTH: u32 = 900;
const MIN_HEIGHT: i32 = 500;
const MAX_HEIGHT: i32 = 6000;
const MARGIN: i32 = 24;
/// Text sizes in plotters' units (SVG font-size is 1/1.24 of these).
const TITLE_SIZE: f64 = 24.0;
const TEXT_SIZE: f64 = 16.0;
const SMALL_SIZE: f64 = 15.0;
/// Longest row label, in pixels.
const MAX_LABEL: i32 = 250;
/// Lines drawn on one chart at most (the palette's size).
const MAX_LINES: usize = 8;

const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const MUTED: RGBColor = RGBColor(0x5c, 0x5c, 0x5c);
const AXIS: RGBColor = RGBColor(0x8c, 0x8c, 0x8c);
const GRID: RGBColor = RGBColor(0xe4, 0xe4, 0xe4);
const STRIPE: RGBColor = RGBColor(0xf6, 0xf6, 0xf6);
const NEUTRAL: RGBColor = RGBColor(0x9a, 0x9a, 0x9a);

/// Okabe and Ito's colour-blind-safe palette, yellow darkened for lines.
const LINES: [RGBColor; MAX_LINES] = [
    RGBColor(0x00, 0x72, 0xb2),
    RGBColor(0xe6, 0x9f, 0x00),
    RGBColor(0x00, 0x9e, 0x73),
    RGBColor(0xd5, 0x5e, 0x00),
    RGBColor(0xcc, 0x79, 0xa7),
    RGBColor(0x56, 0xb4, 0xe9),
    RGBColor(0x22, 0x22, 0x22),
    RGBColor(0xa8, 0x8f, 0x00),
];

/// Fills for stacked causes: Okabe-Ito, then greys.
const FILLS: [RGBColor; 10] = [
    RGBColor(0x00, 0x72, 0xb2),
    RGBColor(0xe6, 0x9f, 0x00),
    RGBColor(0x00, 0x9e, 0x73),
    RGBColor(0xd5, 0x5e, 0x00),
    RGBColor(0x56, 0xb4, 0xe9),
    RGBColor(0xcc, 0x79, 0xa7),
    RGBColor(0xf0, 0xe4, 0x42),
    RGBColor(0x55, 0x55, 0x55),
    RGBColor(0xaa, 0xaa, 0xaa),
    RGBColor(0x8c, 0x56, 0x4b),
];

/// For timeline states without a fixed colour: Paul Tol's muted colours
/// (and a brown and a grey) that differ from the fixed ones.
const OTHER_STATES: [RGBColor; 7] = [
    RGBColor(0x33, 0x22, 0x88),
    RGBColor(0x88, 0x22, 0x55),
    RGBColor(0xcc, 0x66, 0x77),
    RGBColor(0x99, 0x99, 0x33),
    RGBColor(0xaa, 0x44, 0x99),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xaa, 0xaa, 0xaa),
];

fn line_color(i: usize) -> RGBColor {
    LINES[i % LINES.len()]
}

/// A timeline state's colour: fixed for the states the simulator names,
/// stable by hash for any other. An indicator's cause has the colour of
/// that cause in the downtime chart (kubenines' cause order over [`FILLS`]),
/// and a component's state the colour of the cause it leads to.
fn state_color(state: &str) -> RGBColor {
    let cause = |i: usize| FILLS[i];
    match state.trim().to_ascii_lowercase().as_str() {
        "up" => RGBColor(0x8d, 0xd3, 0xb4),
        "disaster recovery" | "recovering" => cause(0),
        "zone outage" | "zone down" | "down" => cause(1),
        "load balancer" => cause(2),
        "host failure" | "failed" => cause(3),
        "maintenance" => cause(4),
        "process crash" | "crashed" | "apiserver crashed" | "etcd crashed" => cause(5),
        "etcd election" | "electing" => cause(6),
        "controller failover" | "failover" => cause(7),
        "eviction or scheduling" => cause(8),
        "disk lost" => cause(9),
        "no quorum" | "no leader" => RGBColor(0x44, 0x44, 0x44),
        "waiting for api" => RGBColor(0x99, 0x99, 0x33),
        other => {
            // FNV-1a: stable across runs and Rust versions.
            let h = other.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            OTHER_STATES[(h % OTHER_STATES.len() as u64) as usize]
        }
    }
}

fn font(size: f64, bold: bool) -> FontDesc<'static> {
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    FontDesc::new(FontFamily::Name(FAMILY), size, style)
}

/// Width of `text` in pixels at `size`, from the embedded font's advances
/// and kerning.
fn text_width(text: &str, size: f64, bold: bool) -> i32 {
    let Some(f) = face(bold) else {
        return (text.chars().count() as f64 * size * 0.5) as i32;
    };
    let sf = f.as_scaled(px_scale(f, em(size)));
    let mut width = 0.0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = sf.glyph_id(c);
        if let Some(p) = prev {
            width += sf.kern(p, id);
        }
        width += sf.h_advance(id);
        prev = Some(id);
    }
    width.ceil() as i32
}

/// `text`, cut to fit `max` pixels and ended with an ellipsis if it had to be.
fn fit(text: &str, size: f64, bold: bool, max: i32) -> String {
    if text_width(text, size, bold) <= max {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let cut = |n: usize| {
        let kept: String = chars[..n].iter().collect();
        format!("{}…", kept.trim_end())
    };
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if text_width(&cut(mid), size, bold) <= max {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    cut(lo)
}

/// `text` broken into lines of at most `max` pixels, at most `lines` of them.
fn wrap(text: &str, size: f64, max: i32, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if line.is_empty() || text_width(&candidate, size, false) <= max {
            line = candidate;
        } else {
            out.push(std::mem::take(&mut line));
            line = word.to_string();
        }
    }
    if !line.is_empty() {
        out.push(line);
    }
    if out.len() > lines {
        let rest = out.split_off(lines - 1).join(" ");
        out.push(rest);
    }
    out.into_iter().map(|l| fit(&l, size, false, max)).collect()
}

/// A number for an axis or label: at most six significant digits, no
/// trailing zeros, thousands separated.
fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let digits = (5 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{:.*}", digits, v);
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    group_thousands(&s)
}

fn group_thousands(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, ""), |(i, f)| (i, f));
    if int.len() <= 4 {
        return s.to_string();
    }
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

// ---------------------------------------------------------------------------
// Nines

/// Nines of an availability, -log10(1 - a): infinite at a ≥ 1, 0 at a ≤ 0,
/// None when `a` is not a number.
fn nines(a: f64) -> Option<f64> {
    if a.is_nan() {
        return None;
    }
    let u = 1.0 - a;
    if u <= 0.0 {
        Some(f64::INFINITY)
    } else {
        Some((-u.log10()).max(0.0))
    }
}

/// An availability interval in nines; the bounds are None without an interval.
#[derive(Clone, Copy)]
struct NinesInterval {
    mean: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
}

impl NinesInterval {
    fn of(a: &Interval) -> NinesInterval {
        let (l, h) = match (a.ci_low.and_then(nines), a.ci_high.and_then(nines)) {
            (Some(l), Some(h)) => (Some(l.min(h)), Some(l.max(h))),
            _ => (None, None),
        };
        NinesInterval {
            mean: nines(a.mean),
            low: l,
            high: h,
        }
    }

    fn values(&self) -> impl Iterator<Item = f64> {
        [self.mean, self.low, self.high].into_iter().flatten()
    }
}

/// The nines axis for some values: from a whole number just below the
/// smallest to `cap`, a whole number at least half a nine above the largest
/// finite value. Infinite nines (availability 1: no downtime seen) are drawn
/// at the cap with an arrow.
#[derive(Clone, Copy)]
struct NinesAxis {
    low: f64,
    cap: f64,
}

impl NinesAxis {
    fn of(values: impl Iterator<Item = f64>) -> NinesAxis {
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.filter(|v| v.is_finite()) {
            min = min.min(v);
            max = max.max(v);
        }
        if min > max {
            return NinesAxis { low: 0.0, cap: 6.0 };
        }
        let cap = (max + 0.5).ceil().clamp(1.0, 17.0);
        let low = (min - 0.25).floor().clamp(0.0, cap - 1.0);
        NinesAxis { low, cap }
    }

    /// A value on the axis, and whether it was capped.
    fn place(&self, v: f64) -> (f64, bool) {
        if v >= self.cap {
            (self.cap, true)
        } else {
            (v.max(self.low), false)
        }
    }
}

/// The title of a horizontal nines axis, with a reminder of the scale.
fn nines_title(indicator: &str) -> String {
    format!("nines of {indicator} availability (3 = 99.9%, 4 = 99.99%)")
}

/// The title of a vertical nines axis, which has less room.
fn nines_title_short(indicator: &str) -> String {
    format!("nines of {indicator} availability")
}

// ---------------------------------------------------------------------------
// Scales and ticks

/// A linear or logarithmic map from data to pixels.
#[derive(Clone, Copy)]
struct Scale {
    lo: f64,
    hi: f64,
    log: bool,
    p0: i32,
    p1: i32,
}

impl Scale {
    /// A scale over [lo, hi], made valid: finite, lo < hi, positive if log.
    fn new(lo: f64, hi: f64, log: bool, p0: i32, p1: i32) -> Scale {
        let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() {
            (lo.min(hi), lo.max(hi))
        } else {
            (0.0, 1.0)
        };
        if log {
            if hi <= 0.0 {
                (lo, hi) = (0.1, 10.0);
            } else if lo <= 0.0 {
                lo = hi / 1000.0;
            }
            if hi / lo < 1.0001 {
                (lo, hi) = (lo / 3.0, hi * 3.0);
            }
        } else if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
            let pad = (hi.abs() * 0.1).max(1.0);
            (lo, hi) = (lo - pad, hi + pad);
        }
        Scale {
            lo,
            hi,
            log,
            p0,
            p1,
        }
    }

    fn t(&self, v: f64) -> f64 {
        if self.log {
            v.max(f64::MIN_POSITIVE).log10()
        } else {
            v
        }
    }

    /// The pixel of `v`, clamped to the scale's ends.
    fn px(&self, v: f64) -> i32 {
        let (a, b) = (self.t(self.lo), self.t(self.hi));
        let f = (self.t(v) - a) / (b - a);
        let f = if f.is_nan() { 0.0 } else { f.clamp(0.0, 1.0) };
        (f64::from(self.p0) + f * f64::from(self.p1 - self.p0)).round() as i32
    }

    fn ticks(&self, target: usize) -> Vec<f64> {
        if self.log {
            log_ticks(self.lo, self.hi, target)
        } else {
            linear_ticks(self.lo, self.hi, target)
        }
    }
}

/// Round ticks (1, 2 or 5 times a power of ten apart) inside [lo, hi].
fn linear_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let step = nice_step(hi - lo, target);
    if !step.is_finite() || step <= 0.0 || !lo.is_finite() {
        return vec![];
    }
    let mut out = Vec::new();
    let mut k = (lo / step - 1e-9).ceil();
    while out.len() < 60 {
        let v = k * step;
        if v > hi + step * 1e-9 {
            break;
        }
        out.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        k += 1.0;
    }
    out
}

fn nice_step(span: f64, target: usize) -> f64 {
    if !span.is_finite() || span <= 0.0 {
        return 0.0;
    }
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * 0.999)
        .unwrap_or(10.0 * mag)
}

/// [lo, hi] widened to whole ticks: (lo, hi, ticks).
fn nice_range(lo: f64, hi: f64, target: usize) -> (f64, f64, Vec<f64>) {
    let scale = Scale::new(lo, hi, false, 0, 1);
    let step = nice_step(scale.hi - scale.lo, target);
    let lo = (scale.lo / step).floor() * step;
    let hi = (scale.hi / step).ceil() * step;
    (lo, hi, linear_ticks(lo, hi, target))
}

/// Ticks of a log axis: 1, 2 and 5 times powers of ten, or powers of ten
/// alone (every k-th) on long spans, or 1…9 times them on short ones; linear
/// ticks within one decade when those give fewer than two.
fn log_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let (a, b) = (lo.log10(), hi.log10());
    if !(a.is_finite() && b.is_finite()) {
        return vec![];
    }
    let decades = ((a.floor() as i32)..=(b.ceil() as i32)).collect::<Vec<_>>();
    let within = |v: f64| v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9);
    let make = |mults: &[f64], stride: usize| -> Vec<f64> {
        decades
            .iter()
            .filter(|d| d.rem_euclid(stride as i32) == 0)
            .flat_map(|d| mults.iter().map(move |m| m * 10f64.powi(*d)))
            .filter(|v| within(*v))
            .collect()
    };
    let span = b - a;
    let stride = ((span / target.max(1) as f64).ceil() as usize).max(1);
    let candidates = [
        make(&[1.0, 2.0, 5.0], 1),
        make(&[1.0], stride),
        make(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], 1),
    ];
    for ticks in candidates {
        if ticks.len() >= 3 && ticks.len() <= target + 1 {
            return ticks;
        }
    }
    let dense = make(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], 1);
    if dense.len() >= 2 {
        return dense;
    }
    linear_ticks(lo, hi, 4)
}

// ---------------------------------------------------------------------------
// Drawing

type Area<DB> = DrawingArea<DB, Shift>;
type Drawn = Result<(), ChartError>;

/// Draws on a root area in pixels, the same way on either backend.
struct Pen<'a, DB: DrawingBackend> {
    area: &'a Area<DB>,
    /// Text is rasterised here rather than by plotters, whose ab_glyph text
    /// drops each glyph's left side bearing (uneven letter spacing).
    bitmap: bool,
}

#[derive(Clone, Copy)]
enum Anchor {
    LeftTop,
    LeftCenter,
    LeftBottom,
    CenterTop,
    Center,
    CenterBottom,
    RightTop,
    RightCenter,
    RightBottom,
}

impl Anchor {
    fn pos(self) -> Pos {
        let (h, v) = match self {
            Anchor::LeftTop => (HPos::Left, VPos::Top),
            Anchor::LeftCenter => (HPos::Left, VPos::Center),
            Anchor::LeftBottom => (HPos::Left, VPos::Bottom),
            Anchor::CenterTop => (HPos::Center, VPos::Top),
            Anchor::Center => (HPos::Center, VPos::Center),
            Anchor::CenterBottom => (HPos::Center, VPos::Bottom),
            Anchor::RightTop => (HPos::Right, VPos::Top),
            Anchor::RightCenter => (HPos::Right, VPos::Center),
            Anchor::RightBottom => (HPos::Right, VPos::Bottom),
        };
        Pos::new(h, v)
    }
}

fn shape(color: RGBAColor, filled: bool, width: u32) -> ShapeStyle {
    ShapeStyle {
        color,
        filled,
        stroke_width: width,
    }
}

impl<DB: DrawingBackend> Pen<'_, DB> {
    fn width(&self) -> i32 {
        self.area.dim_in_pixel().0 as i32
    }

    fn height(&self) -> i32 {
        self.area.dim_in_pixel().1 as i32
    }

    #[allow(clippy::too_many_arguments)]
    fn text_styled(
        &self,
        s: &str,
        at: (i32, i32),
        size: f64,
        bold: bool,
        color: RGBColor,
        anchor: Anchor,
        rotate: bool,
    ) -> Drawn {
        if s.is_empty() {
            return Ok(());
        }
        if self.bitmap {
            return self.raster_text(s, at, size, bold, color, anchor, rotate);
        }
        let mut desc = font(size, bold);
        if rotate {
            desc = desc.transform(FontTransform::Rotate270);
        }
        let style = TextStyle {
            font: desc,
            color: color.to_backend_color(),
            pos: anchor.pos(),
        };
        self.area.draw(&Text::new(s, at, style))?;
        Ok(())
    }

    /// Text on the bitmap, placed as a browser places the SVG's: the anchor's
    /// x by advance width, its y as the SVG's `dy` (0.76 em below a top, half
    /// an x-height above a centre or bottom); rotated a quarter turn
    /// anticlockwise if `rotate`.
    #[allow(clippy::too_many_arguments)]
    fn raster_text(
        &self,
        s: &str,
        (x, y): (i32, i32),
        size: f64,
        bold: bool,
        color: RGBColor,
        anchor: Anchor,
        rotate: bool,
    ) -> Drawn {
        let Some(f) = face(bold) else {
            return Err(ChartError::Font(
                "the embedded DejaVu Sans did not load".into(),
            ));
        };
        let em = em(size);
        let sf = f.as_scaled(px_scale(f, em));
        let half_ex = {
            let x_bounds = sf.outline_glyph(sf.scaled_glyph('x'));
            x_bounds.map_or(0.27 * em, |o| -o.px_bounds().min.y / 2.0)
        };
        let pos = anchor.pos();
        let width = text_width(s, size, bold) as f32;
        let mut caret = match pos.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let baseline = match pos.v_pos {
            VPos::Top => 0.76 * em,
            VPos::Center => half_ex,
            VPos::Bottom => -half_ex,
        };
        let mut pixels: Vec<(i32, i32, f32)> = Vec::new();
        let mut prev = None;
        for c in s.chars() {
            let id = sf.glyph_id(c);
            if let Some(p) = prev {
                caret += sf.kern(p, id);
            }
            prev = Some(id);
            let glyph = id.with_scale_and_position(sf.scale(), point(caret, baseline));
            caret += sf.h_advance(id);
            let Some(outline) = sf.outline_glyph(glyph) else {
                continue;
            };
            let b = outline.px_bounds();
            let (u0, v0) = (b.min.x as i32, b.min.y as i32);
            outline.draw(|gx, gy, cover| {
                if cover > 0.0 {
                    let (u, v) = (u0 + gx as i32, v0 + gy as i32);
                    let at = if rotate {
                        (x + v, y - u)
                    } else {
                        (x + u, y + v)
                    };
                    pixels.push((at.0, at.1, cover.min(1.0)));
                }
            });
        }
        for (px, py, cover) in pixels {
            self.area
                .draw_pixel((px, py), &color.mix(f64::from(cover)))?;
        }
        Ok(())
    }

    fn text(&self, s: &str, at: (i32, i32), size: f64, color: RGBColor, anchor: Anchor) -> Drawn {
        self.text_styled(s, at, size, false, color, anchor, false)
    }

    fn line(&self, points: Vec<(i32, i32)>, color: RGBAColor, width: u32) -> Drawn {
        if points.len() >= 2 {
            self.area
                .draw(&PathElement::new(points, shape(color, false, width)))?;
        }
        Ok(())
    }

    fn dashed(&self, points: Vec<(i32, i32)>, color: RGBAColor, width: u32) -> Drawn {
        if points.len() >= 2 {
            self.area.draw(&DashedPathElement::new(
                points,
                8,
                5,
                shape(color, false, width),
            ))?;
        }
        Ok(())
    }

    fn rect(&self, (x0, y0): (i32, i32), (x1, y1): (i32, i32), color: RGBAColor) -> Drawn {
        self.area.draw(&Rectangle::new(
            [(x0.min(x1), y0.min(y1)), (x0.max(x1), y0.max(y1))],
            shape(color, true, 0),
        ))?;
        Ok(())
    }

    fn circle(&self, at: (i32, i32), r: i32, color: RGBAColor, filled: bool) -> Drawn {
        self.area
            .draw(&Circle::new(at, r, shape(color, filled, 2)))?;
        Ok(())
    }

    /// A hollow marker on a white background: a disc with a white centre,
    /// which draws cleaner on the bitmap than a stroked circle.
    fn ring(&self, at: (i32, i32), r: i32, color: RGBAColor) -> Drawn {
        self.circle(at, r + 1, color, true)?;
        self.circle(at, r - 1, WHITE.to_rgba(), true)
    }

    fn polygon(&self, points: Vec<(i32, i32)>, color: RGBAColor) -> Drawn {
        if points.len() >= 3 {
            self.area
                .draw(&Polygon::new(points, shape(color, true, 0)))?;
        }
        Ok(())
    }

    /// A filled triangle with its tip at `(x, y)`, pointing right.
    fn arrowhead(&self, (x, y): (i32, i32), color: RGBAColor) -> Drawn {
        self.polygon(vec![(x, y), (x - 9, y - 5), (x - 9, y + 5)], color)
    }

    /// A message in the middle of the body, for charts with nothing to show.
    fn empty(&self, top: i32, message: &str) -> Drawn {
        let y = (top + self.height()) / 2;
        let msg = fit(message, TEXT_SIZE, false, self.width() - 2 * MARGIN);
        self.text(
            &msg,
            (self.width() / 2, y),
            TEXT_SIZE,
            MUTED,
            Anchor::Center,
        )
    }
}

/// Vertical grid lines, ticks and labels of a horizontal axis along
/// `bottom`, with its title below. Labels that would overlap are dropped.
#[allow(clippy::too_many_arguments)]
fn x_axis<DB: DrawingBackend>(
    pen: &Pen<DB>,
    scale: &Scale,
    ticks: &[f64],
    label: &dyn Fn(f64) -> String,
    top: i32,
    bottom: i32,
    title: &str,
) -> Drawn {
    let mut last_right = i32::MIN;
    for &t in ticks {
        let x = scale.px(t);
        pen.line(vec![(x, top), (x, bottom)], GRID.to_rgba(), 1)?;
        pen.line(vec![(x, bottom), (x, bottom + 5)], AXIS.to_rgba(), 1)?;
        let s = label(t);
        let w = text_width(&s, SMALL_SIZE, false);
        if x - w / 2 > last_right + 6 {
            pen.text(&s, (x, bottom + 8), SMALL_SIZE, MUTED, Anchor::CenterTop)?;
            last_right = x + w / 2;
        }
    }
    let (l, r) = (scale.p0.min(scale.p1), scale.p0.max(scale.p1));
    let title = fit(title, TEXT_SIZE, false, pen.width() - 2 * MARGIN);
    pen.text(
        &title,
        ((l + r) / 2, bottom + 34),
        TEXT_SIZE,
        INK,
        Anchor::CenterTop,
    )
}

/// Horizontal grid lines, ticks and labels of a vertical axis along `left`,
/// with its title rotated at `title_x`.
#[allow(clippy::too_many_arguments)]
fn y_axis<DB: DrawingBackend>(
    pen: &Pen<DB>,
    scale: &Scale,
    ticks: &[f64],
    label: &dyn Fn(f64) -> String,
    left: i32,
    right: i32,
    title: &str,
    title_x: i32,
) -> Drawn {
    let mut last_top = i32::MAX;
    for &t in ticks {
        let y = scale.px(t);
        pen.line(vec![(left, y), (right, y)], GRID.to_rgba(), 1)?;
        pen.line(vec![(left - 5, y), (left, y)], AXIS.to_rgba(), 1)?;
        if y + 9 < last_top {
            pen.text(
                &label(t),
                (left - 8, y),
                SMALL_SIZE,
                MUTED,
                Anchor::RightCenter,
            )?;
            last_top = y - 9;
        }
    }
    let (t, b) = (scale.p0.min(scale.p1), scale.p0.max(scale.p1));
    let title = fit(title, TEXT_SIZE, false, b - t);
    pen.text_styled(
        &title,
        (title_x, (t + b) / 2),
        TEXT_SIZE,
        false,
        INK,
        Anchor::Center,
        true,
    )
}

/// The L of a plot's axes.
fn axis_lines<DB: DrawingBackend>(pen: &Pen<DB>, x: &Scale, y: &Scale) -> Drawn {
    let (l, r) = (x.p0.min(x.p1), x.p0.max(x.p1));
    let (t, b) = (y.p0.min(y.p1), y.p0.max(y.p1));
    pen.line(vec![(l, t), (l, b), (r, b)], AXIS.to_rgba(), 1)
}

// ---------------------------------------------------------------------------
// Page: title, subtitle, legend

#[derive(Clone, Copy)]
enum Swatch {
    Block,
    Line,
    Dashed,
    Dot,
    Ring,
}

struct LegendItem {
    label: String,
    color: RGBColor,
    swatch: Swatch,
}

fn item(label: &str, color: RGBColor, swatch: Swatch) -> LegendItem {
    LegendItem {
        label: label.to_string(),
        color,
        swatch,
    }
}

const SWATCH_W: i32 = 24;
/// Longest legend label, in pixels: long names still share a row.
const MAX_LEGEND_LABEL: i32 = 320;
const LEGEND_ROW: i32 = 24;
const SUBTITLE_LINE: i32 = 21;

/// The top of a chart: title, subtitle, legend; laid out once so the
/// chart's height is known before drawing.
struct Page {
    title: String,
    subtitle: Vec<String>,
    legend: Vec<LegendItem>,
    /// Per legend row: (item, x offset).
    legend_rows: Vec<Vec<(usize, i32)>>,
    body_top: i32,
}

impl Page {
    fn new(title: &str, subtitle: &str, mut legend: Vec<LegendItem>) -> Page {
        let inner = WIDTH as i32 - 2 * MARGIN;
        let subtitle = if subtitle.is_empty() {
            vec![]
        } else {
            wrap(subtitle, TEXT_SIZE, inner, 3)
        };
        let mut rows: Vec<Vec<(usize, i32)>> = Vec::new();
        let mut row = Vec::new();
        let mut x = 0;
        for (i, it) in legend.iter_mut().enumerate() {
            it.label = fit(&it.label, SMALL_SIZE, false, MAX_LEGEND_LABEL);
            let w = SWATCH_W + 7 + text_width(&it.label, SMALL_SIZE, false) + 22;
            if x + w > inner + 22 && !row.is_empty() {
                rows.push(std::mem::take(&mut row));
                x = 0;
            }
            row.push((i, x));
            x += w;
        }
        if !row.is_empty() {
            rows.push(row);
        }
        let mut body_top = 18 + 34 + subtitle.len() as i32 * SUBTITLE_LINE;
        if !rows.is_empty() {
            body_top += 8 + rows.len() as i32 * LEGEND_ROW;
        }
        Page {
            title: fit(title, TITLE_SIZE, true, inner),
            subtitle,
            legend,
            legend_rows: rows,
            body_top: body_top + 14,
        }
    }

    fn draw<DB: DrawingBackend>(&self, pen: &Pen<DB>) -> Drawn {
        pen.text_styled(
            &self.title,
            (MARGIN, 18),
            TITLE_SIZE,
            true,
            INK,
            Anchor::LeftTop,
            false,
        )?;
        let mut y = 18 + 34;
        for line in &self.subtitle {
            pen.text(line, (MARGIN, y), TEXT_SIZE, MUTED, Anchor::LeftTop)?;
            y += SUBTITLE_LINE;
        }
        y += 8;
        for row in &self.legend_rows {
            let cy = y + LEGEND_ROW / 2 - 2;
            for &(i, dx) in row {
                let it = &self.legend[i];
                let x = MARGIN + dx;
                let c = it.color.to_rgba();
                match it.swatch {
                    Swatch::Block => pen.rect((x + 4, cy - 7), (x + 18, cy + 7), c)?,
                    Swatch::Line => pen.line(vec![(x, cy), (x + SWATCH_W - 2, cy)], c, 3)?,
                    Swatch::Dashed => {
                        pen.line(vec![(x, cy), (x + 8, cy)], c, 3)?;
                        pen.line(vec![(x + 13, cy), (x + SWATCH_W - 2, cy)], c, 3)?;
                    }
                    Swatch::Dot => pen.circle((x + 11, cy), 5, c, true)?,
                    Swatch::Ring => pen.ring((x + 11, cy), 5, c)?,
                }
                pen.text(
                    &it.label,
                    (x + SWATCH_W + 7, cy),
                    SMALL_SIZE,
                    INK,
                    Anchor::LeftCenter,
                )?;
            }
            y += LEGEND_ROW;
        }
        Ok(())
    }
}

/// Space under a plot for tick labels and the axis title.
const X_AXIS_SPACE: i32 = 64;

/// The canvas height for a page whose body needs `body` pixels.
fn height_for(page: &Page, body: i32) -> i32 {
    (page.body_top + body + X_AXIS_SPACE + 12).clamp(MIN_HEIGHT, MAX_HEIGHT)
}

/// Row height for `n` categorical rows: fill the minimum height, within bounds.
fn row_height(page: &Page, n: usize) -> i32 {
    if n == 0 {
        return 0;
    }
    let room = MIN_HEIGHT - page.body_top - X_AXIS_SPACE - 12;
    let h = (room / n as i32).clamp(22, 48);
    // Keep very many rows within the maximum height.
    let most = (MAX_HEIGHT - page.body_top - X_AXIS_SPACE - 12) / n as i32;
    h.min(most).max(1)
}

// ---------------------------------------------------------------------------
// Figures

enum Body<'a> {
    Availability(&'a ChartInput),
    Downtime(&'a ChartInput, Vec<usize>),
    Quantiles {
        input: &'a ChartInput,
        rpo: bool,
        shown: Vec<usize>,
    },
    Cost(&'a ChartInput),
    Sweep(&'a ChartInput, &'a SweepChartData),
    Timeline(&'a Timeline),
}

/// A chart laid out and ready to draw on either backend.
struct Figure<'a> {
    stem: String,
    title: String,
    caption: String,
    height: i32,
    page: Page,
    body: Body<'a>,
}

fn render(fig: &Figure) -> Result<Chart, ChartError> {
    let context = |e: ChartError| match e {
        ChartError::Draw(m) => ChartError::Draw(format!("{}: {m}", fig.stem)),
        other => other,
    };
    let drawn = catch_unwind(AssertUnwindSafe(|| -> Result<Chart, ChartError> {
        let (w, h) = (WIDTH, fig.height.clamp(1, MAX_HEIGHT) as u32);
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
            draw_figure(fig, &root, false)?;
            root.present()?;
        }
        let mut pixels = vec![0u8; w as usize * h as usize * 3];
        {
            let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
            draw_figure(fig, &root, true)?;
            root.present()?;
        }
        Ok(Chart {
            file_stem: fig.stem.clone(),
            title: fig.title.clone(),
            caption: fig.caption.clone(),
            svg,
            png: encode_png(&pixels, w, h)?,
        })
    }));
    match drawn {
        Ok(chart) => chart.map_err(context),
        Err(_) => Err(ChartError::Draw(format!(
            "{}: plotters panicked while drawing",
            fig.stem
        ))),
    }
}

fn encode_png(pixels: &[u8], w: u32, h: u32) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Balanced);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
    writer.finish()?;
    Ok(out)
}

fn draw_figure<DB: DrawingBackend>(fig: &Figure, root: &Area<DB>, bitmap: bool) -> Drawn {
    root.fill(&WHITE)?;
    let pen = Pen { area: root, bitmap };
    fig.page.draw(&pen)?;
    let top = fig.page.body_top;
    match &fig.body {
        Body::Availability(input) => draw_availability(&pen, top, input),
        Body::Downtime(input, causes) => draw_downtime(&pen, top, input, causes),
        Body::Quantiles { input, rpo, shown } => draw_quantiles(&pen, top, input, *rpo, shown),
        Body::Cost(input) => draw_cost(&pen, top, input),
        Body::Sweep(input, sweep) => draw_sweep(&pen, top, input, sweep),
        Body::Timeline(t) => draw_timeline(&pen, top, t),
    }
}

/// Labels of categorical rows, fitted to [`MAX_LABEL`], and their width.
fn row_labels<'a>(names: impl Iterator<Item = &'a str>, bold: &[bool]) -> (Vec<String>, i32) {
    let labels: Vec<String> = names
        .enumerate()
        .map(|(i, n)| {
            let b = bold.get(i).copied().unwrap_or(false);
            fit(n, SMALL_SIZE, b, MAX_LABEL)
        })
        .collect();
    let width = labels
        .iter()
        .enumerate()
        .map(|(i, l)| text_width(l, SMALL_SIZE, bold.get(i).copied().unwrap_or(false)))
        .max()
        .unwrap_or(0);
    (labels, width)
}

// --- 1. availability -------------------------------------------------------

fn availability(input: &ChartInput) -> Figure<'_> {
    let ind = &input.indicator;
    let all: Vec<NinesInterval> = input
        .designs
        .iter()
        .map(|d| NinesInterval::of(&d.availability))
        .collect();
    let capped = all.iter().any(|n| n.values().any(|v| v == f64::INFINITY));
    let mut subtitle = String::from(
        "Designs ranked best first. Dot: mean over replications; whiskers: 95% confidence interval.",
    );
    if capped {
        subtitle.push_str(
            " An arrow at the right edge marks availability 1 (no downtime seen): infinite nines, beyond the axis.",
        );
    }
    let page = Page::new(
        &format!("Availability of {ind}, in nines"),
        &subtitle,
        vec![],
    );
    let n = input.designs.len();
    let height = height_for(&page, row_height(&page, n) * n as i32);
    Figure {
        stem: "availability".into(),
        title: format!("Availability of {ind}, in nines"),
        caption: format!(
            "Nines of {ind} availability per design, best first: the dot is the mean over replications and the whiskers its 95% confidence interval; each extra nine is ten times less downtime."
        ),
        height,
        page,
        body: Body::Availability(input),
    }
}

fn draw_availability<DB: DrawingBackend>(pen: &Pen<DB>, top: i32, input: &ChartInput) -> Drawn {
    let designs = &input.designs;
    if designs.is_empty() {
        return pen.empty(top, "No designs to show.");
    }
    let n = designs.len();
    let all: Vec<NinesInterval> = designs
        .iter()
        .map(|d| NinesInterval::of(&d.availability))
        .collect();
    let axis = NinesAxis::of(all.iter().flat_map(|n| n.values()));
    let (labels, label_w) = row_labels(designs.iter().map(|d| d.name.as_str()), &[]);
    let values: Vec<String> = designs
        .iter()
        .zip(&all)
        .map(|(d, ni)| match ni.mean {
            None => "no data".to_string(),
            Some(v) if v.is_infinite() => "no downtime seen".to_string(),
            Some(v) => format!("{v:.2} ({})", percent(d.availability.mean, Some(v))),
        })
        .collect();
    let value_w = values
        .iter()
        .map(|v| text_width(v, SMALL_SIZE, false))
        .max()
        .unwrap_or(0)
        .min(220);
    let row_h = {
        let page_like = pen.height() - top - X_AXIS_SPACE - 12;
        (page_like / n as i32).max(1)
    };
    let left = MARGIN + label_w + 14;
    let right = pen.width() - MARGIN - value_w - 18;
    let bottom = top + row_h * n as i32;
    let x = Scale::new(axis.low, axis.cap, false, left, right);
    let ticks = x.ticks(8);
    x_axis(
        pen,
        &x,
        &ticks,
        &|v| fmt_num(v),
        top,
        bottom,
        &nines_title(&input.indicator),
    )?;
    for (i, (ni, label)) in all.iter().zip(&labels).enumerate() {
        let y0 = top + row_h * i as i32;
        let cy = y0 + row_h / 2;
        if i % 2 == 1 {
            pen.rect((left + 1, y0), (right, y0 + row_h), STRIPE.mix(0.8))?;
        }
        pen.text(label, (left - 10, cy), SMALL_SIZE, INK, Anchor::RightCenter)?;
        pen.text(
            &values[i],
            (right + 14, cy),
            SMALL_SIZE,
            MUTED,
            Anchor::LeftCenter,
        )?;
        let color = LINES[0];
        if let (Some(lo), Some(hi)) = (ni.low, ni.high) {
            let (lo, _) = axis.place(lo);
            let (hi, hi_capped) = axis.place(hi);
            let (xl, xh) = (x.px(lo), x.px(hi));
            pen.line(vec![(xl, cy), (xh, cy)], color.to_rgba(), 2)?;
            pen.line(vec![(xl, cy - 5), (xl, cy + 5)], color.to_rgba(), 2)?;
            if hi_capped {
                if !ni.mean.is_some_and(|m| m >= axis.cap) {
                    pen.arrowhead((xh + 1, cy), color.to_rgba())?;
                }
            } else {
                pen.line(vec![(xh, cy - 5), (xh, cy + 5)], color.to_rgba(), 2)?;
            }
        }
        if let Some(m) = ni.mean {
            let (m, capped) = axis.place(m);
            let at = (x.px(m), cy);
            if capped {
                let tip = at.0 + 2;
                pen.polygon(
                    vec![(tip, cy), (tip - 14, cy - 7), (tip - 14, cy + 7)],
                    color.to_rgba(),
                )?;
            } else {
                // A white halo parts the dot from its whisker.
                pen.circle(at, 6, WHITE.to_rgba(), true)?;
                pen.circle(at, 5, color.to_rgba(), true)?;
            }
        }
    }
    axis_lines(pen, &x, &Scale::new(0.0, 1.0, false, bottom, top))
}

// --- 2. downtime by cause --------------------------------------------------

/// Causes with some downtime in some design, in the given order.
fn causes_present(input: &ChartInput) -> Vec<usize> {
    (0..input.causes.len())
        .filter(|&c| {
            input
                .designs
                .iter()
                .any(|d| d.downtime_by_cause.get(c).is_some_and(|v| *v > 0.0))
        })
        .collect()
}

fn downtime(input: &ChartInput) -> Figure<'_> {
    let ind = &input.indicator;
    let causes = causes_present(input);
    let legend = causes
        .iter()
        .map(|&c| item(&input.causes[c], FILLS[c % FILLS.len()], Swatch::Block))
        .collect();
    let page = Page::new(
        &format!("Downtime of {ind} per year, by cause"),
        "Designs ranked best first; each bar is split by what the indicator was waiting for. Totals at the right.",
        legend,
    );
    let n = input.designs.len();
    let height = height_for(&page, row_height(&page, n) * n as i32);
    Figure {
        stem: "downtime_by_cause".into(),
        title: format!("Downtime of {ind} per year, by cause"),
        caption: format!(
            "Minutes of {ind} downtime per year for each design, split by what the indicator was waiting for at each moment (the attribution rule is under Downtime by cause); the figure at the end of each bar is the total."
        ),
        height,
        page,
        body: Body::Downtime(input, causes),
    }
}

fn clean(v: f64) -> f64 {
    if v.is_finite() { v.max(0.0) } else { 0.0 }
}

fn draw_downtime<DB: DrawingBackend>(
    pen: &Pen<DB>,
    top: i32,
    input: &ChartInput,
    causes: &[usize],
) -> Drawn {
    let designs = &input.designs;
    if designs.is_empty() {
        return pen.empty(top, "No designs to show.");
    }
    let n = designs.len();
    let totals: Vec<f64> = designs
        .iter()
        .map(|d| causes.iter().map(|&c| clean(d.downtime_by_cause[c])).sum())
        .collect();
    let max = totals.iter().copied().fold(0.0, f64::max);
    let (labels, label_w) = row_labels(designs.iter().map(|d| d.name.as_str()), &[]);
    let values: Vec<String> = totals
        .iter()
        .map(|t| {
            if *t > 0.0 {
                human_duration_minutes(*t)
            } else {
                "none".into()
            }
        })
        .collect();
    let value_w = values
        .iter()
        .map(|v| text_width(v, SMALL_SIZE, false))
        .max()
        .unwrap_or(0);
    let row_h = ((pen.height() - top - X_AXIS_SPACE - 12) / n as i32).max(1);
    let left = MARGIN + label_w + 14;
    let right = pen.width() - MARGIN - value_w - 18;
    let bottom = top + row_h * n as i32;
    let (_, hi, ticks) = nice_range(0.0, if max > 0.0 { max } else { 1.0 }, 7);
    let x = Scale::new(0.0, hi, false, left, right);
    x_axis(
        pen,
        &x,
        &ticks,
        &|v| fmt_num(v),
        top,
        bottom,
        &format!("downtime of {} per year (minutes)", input.indicator),
    )?;
    let bar = ((row_h as f64 * 0.62).round() as i32).max(1);
    for (i, d) in designs.iter().enumerate() {
        let y0 = top + row_h * i as i32;
        let cy = y0 + row_h / 2;
        pen.text(
            &labels[i],
            (left - 10, cy),
            SMALL_SIZE,
            INK,
            Anchor::RightCenter,
        )?;
        let mut acc = 0.0;
        let mut end = left;
        for &c in causes {
            let v = clean(d.downtime_by_cause[c]);
            if v <= 0.0 {
                continue;
            }
            let (a, b) = (x.px(acc), x.px(acc + v));
            acc += v;
            if b > a {
                let fill = FILLS[c % FILLS.len()];
                pen.rect((a, cy - bar / 2), (b, cy - bar / 2 + bar), fill.to_rgba())?;
                // A hairline between segments keeps neighbours apart.
                if a > left {
                    pen.line(
                        vec![(a, cy - bar / 2), (a, cy - bar / 2 + bar)],
                        WHITE.to_rgba(),
                        1,
                    )?;
                }
            }
            end = b;
        }
        pen.text(
            &values[i],
            (end.max(left) + 8, cy),
            SMALL_SIZE,
            MUTED,
            Anchor::LeftCenter,
        )?;
    }
    if max <= 0.0 {
        pen.text(
            &format!("No {} downtime in any design.", input.indicator),
            ((left + right) / 2, (top + bottom) / 2),
            TEXT_SIZE,
            MUTED,
            Anchor::Center,
        )?;
    }
    axis_lines(pen, &x, &Scale::new(0.0, 1.0, false, bottom, top))
}

// --- 3, 4. outage and RPO distributions -------------------------------------

/// A distribution's points, cleaned: finite, probability in [0, 1], sorted.
fn distribution(q: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = q
        .iter()
        .copied()
        .filter(|(p, m)| p.is_finite() && m.is_finite())
        .map(|(p, m)| (p.clamp(0.0, 1.0), m.max(0.0)))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    pts
}

fn quantile_data(d: &DesignChartData, rpo: bool) -> Vec<(f64, f64)> {
    distribution(if rpo {
        &d.rpo_minutes_quantiles
    } else {
        &d.outage_minutes_quantiles
    })
}

fn quantiles(input: &ChartInput, rpo: bool) -> Figure<'_> {
    let ind = &input.indicator;
    let with: Vec<usize> = (0..input.designs.len())
        .filter(|&i| !quantile_data(&input.designs[i], rpo).is_empty())
        .collect();
    let shown: Vec<usize> = with.iter().copied().take(MAX_LINES).collect();
    let legend = shown
        .iter()
        .enumerate()
        .map(|(k, &i)| item(&input.designs[i].name, line_color(k), Swatch::Line))
        .collect();
    let (title, mut subtitle) = if rpo {
        (
            "Data lost per data-loss event (RPO)".to_string(),
            "Share of data-loss events (y) losing at most the given minutes of writes (x, log scale). Further left is better."
                .to_string(),
        )
    } else {
        (
            format!("Length of {ind} outages (RTO)"),
            "Share of outages (y) that end within the given minutes (x, log scale); the median is where a line crosses 50%. Further left is better."
                .to_string(),
        )
    };
    if with.len() > shown.len() {
        subtitle.push_str(&format!(
            " Showing the {} best-ranked of {} designs.",
            shown.len(),
            with.len()
        ));
    }
    let without = input.designs.len() - with.len();
    if without > 0 && !with.is_empty() {
        let what = if rpo { "lost no data" } else { "had no outage" };
        subtitle.push_str(&format!(
            " {without} design{} {what} and {} not drawn.",
            if without == 1 { "" } else { "s" },
            if without == 1 { "is" } else { "are" }
        ));
    }
    let page = Page::new(&title, &subtitle, legend);
    let height = height_for(&page, 330);
    let caption = if rpo {
        "How much data each data-loss event loses (RPO view): for each design, the share of events (y) that lose at most the given minutes of writes (x, log scale).".to_string()
    } else {
        format!(
            "How long {ind} outages last (RTO view): for each design, the share of outages (y) that end within the given minutes (x, log scale); read the median where a line crosses 50%."
        )
    };
    Figure {
        stem: if rpo { "rpo" } else { "outage_durations" }.into(),
        title,
        caption,
        height,
        page,
        body: Body::Quantiles { input, rpo, shown },
    }
}

fn draw_quantiles<DB: DrawingBackend>(
    pen: &Pen<DB>,
    top: i32,
    input: &ChartInput,
    rpo: bool,
    shown: &[usize],
) -> Drawn {
    if shown.is_empty() {
        let msg = if input.designs.is_empty() {
            "No designs to show.".to_string()
        } else if rpo {
            "No design lost data.".to_string()
        } else {
            format!("No {} outage was seen in any design.", input.indicator)
        };
        return pen.empty(top, &msg);
    }
    let data: Vec<Vec<(f64, f64)>> = shown
        .iter()
        .map(|&i| quantile_data(&input.designs[i], rpo))
        .collect();
    let positive = data.iter().flatten().map(|p| p.1).filter(|m| *m > 0.0);
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for m in positive {
        lo = lo.min(m);
        hi = hi.max(m);
    }
    if lo > hi {
        (lo, hi) = (0.1, 10.0);
    }
    let (lo, hi) = (lo / 1.3, hi * 1.3);
    let left = MARGIN + 30 + text_width("100%", SMALL_SIZE, false) + 10;
    let right = pen.width() - MARGIN - 10;
    let bottom = pen.height() - X_AXIS_SPACE - 12;
    let x = Scale::new(lo, hi, true, left, right);
    let y = Scale::new(0.0, 1.0, false, bottom, top);
    let x_title = if rpo {
        "writes lost in one data-loss event (minutes, log scale)".to_string()
    } else {
        format!(
            "length of one {} outage (minutes, log scale)",
            input.indicator
        )
    };
    let y_title = if rpo {
        "share of events"
    } else {
        "share of outages"
    };
    x_axis(pen, &x, &x.ticks(8), &|v| fmt_num(v), top, bottom, &x_title)?;
    y_axis(
        pen,
        &y,
        &linear_ticks(0.0, 1.0, 5),
        &|v| format!("{:.0}%", v * 100.0),
        left,
        right,
        y_title,
        MARGIN + 4,
    )?;
    for (k, pts) in data.iter().enumerate() {
        let color = line_color(k).to_rgba();
        let px: Vec<(i32, i32)> = pts.iter().map(|(p, m)| (x.px(*m), y.px(*p))).collect();
        pen.line(px.clone(), color, 2)?;
        if px.len() <= 12 {
            for at in px {
                pen.circle(at, 4, color, true)?;
            }
        }
    }
    axis_lines(pen, &x, &y)
}

// --- 5. cost ----------------------------------------------------------------

fn currency(input: &ChartInput) -> String {
    input
        .designs
        .iter()
        .map(|d| d.currency.trim())
        .find(|c| !c.is_empty())
        .unwrap_or("")
        .to_string()
}

fn cost(input: &ChartInput) -> Figure<'_> {
    let ind = &input.indicator;
    let mut legend = Vec::new();
    if input.designs.iter().any(|d| d.on_frontier) {
        legend.push(item(
            "frontier: nothing cheaper is as available",
            LINES[0],
            Swatch::Dot,
        ));
    }
    if input.designs.iter().any(|d| !d.on_frontier) {
        legend.push(item("other designs", NEUTRAL, Swatch::Ring));
    }
    let capped = input
        .designs
        .iter()
        .any(|d| nines(d.availability.mean) == Some(f64::INFINITY));
    let page = Page::new(
        &format!("Monthly cost against availability of {ind}"),
        &format!(
            "Up and to the left is better. Whiskers: 95% confidence interval; the line is the best availability each budget buys.{}",
            infinity_note(capped)
        ),
        legend,
    );
    let height = height_for(&page, 360);
    Figure {
        stem: "cost".into(),
        title: format!("Monthly cost against availability of {ind}"),
        caption: format!(
            "Monthly host cost (x) against nines of {ind} availability (y), one point per design; highlighted designs are on the frontier (no other design is both cheaper and more available), and the line joins them as the best availability each budget buys."
        ),
        height,
        page,
        body: Body::Cost(input),
    }
}

/// Greedy placement of point labels: each label takes the first spot around
/// its point that stays inside the plot and clear of the labels and points
/// placed before; labels with no such spot are left out.
struct Labeller {
    taken: Vec<(i32, i32, i32, i32)>,
    bounds: (i32, i32, i32, i32),
}

impl Labeller {
    fn clear(&self, b: (i32, i32, i32, i32)) -> bool {
        let (l, t, r, bt) = self.bounds;
        b.0 >= l
            && b.1 >= t
            && b.2 <= r
            && b.3 <= bt
            && self
                .taken
                .iter()
                .all(|o| b.2 <= o.0 || b.0 >= o.2 || b.3 <= o.1 || b.1 >= o.3)
    }

    /// Where to write `text` next to a point at `at`, if anywhere.
    fn place(&mut self, text: &str, (x, y): (i32, i32)) -> Option<((i32, i32), Anchor)> {
        let w = text_width(text, SMALL_SIZE, false);
        let h = 16;
        // Boxes below are (left, top, right, bottom) of the text; a bottom
        // anchor's baseline sits half an x-height above the anchor.
        let spots = [
            (
                (x + 9, y),
                Anchor::LeftCenter,
                (x + 9, y - h / 2, x + 9 + w, y + h / 2),
            ),
            (
                (x - 9, y),
                Anchor::RightCenter,
                (x - 9 - w, y - h / 2, x - 9, y + h / 2),
            ),
            (
                (x, y - 9),
                Anchor::CenterBottom,
                (x - w / 2, y - 9 - h, x + w / 2, y - 7),
            ),
            (
                (x, y + 9),
                Anchor::CenterTop,
                (x - w / 2, y + 9, x + w / 2, y + 9 + h),
            ),
            (
                (x + 5, y - 8),
                Anchor::LeftBottom,
                (x + 5, y - 8 - h, x + 5 + w, y - 6),
            ),
            (
                (x + 5, y + 8),
                Anchor::LeftTop,
                (x + 5, y + 8, x + 5 + w, y + 8 + h),
            ),
            (
                (x - 5, y - 8),
                Anchor::RightBottom,
                (x - 5 - w, y - 8 - h, x - 5, y - 6),
            ),
            (
                (x - 5, y + 8),
                Anchor::RightTop,
                (x - 5 - w, y + 8, x - 5, y + 8 + h),
            ),
        ];
        for (at, anchor, b) in spots {
            if self.clear(b) {
                self.taken.push(b);
                return Some((at, anchor));
            }
        }
        None
    }
}

fn draw_cost<DB: DrawingBackend>(pen: &Pen<DB>, top: i32, input: &ChartInput) -> Drawn {
    struct P<'a> {
        name: &'a str,
        cost: f64,
        ni: NinesInterval,
        frontier: bool,
    }
    let pts: Vec<P> = input
        .designs
        .iter()
        .filter_map(|d| {
            let cost = d.monthly_cost.filter(|c| c.is_finite())?;
            let ni = NinesInterval::of(&d.availability);
            ni.mean?;
            Some(P {
                name: &d.name,
                cost,
                ni,
                frontier: d.on_frontier,
            })
        })
        .collect();
    if pts.is_empty() {
        return pen.empty(top, "No design has both a cost and an availability.");
    }
    let axis = NinesAxis::of(pts.iter().flat_map(|p| p.ni.values()));
    let (cmin, cmax) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |a, p| {
        (a.0.min(p.cost), a.1.max(p.cost))
    });
    let pad = if cmax > cmin {
        (cmax - cmin) * 0.08
    } else {
        (cmax.abs() * 0.1).max(1.0)
    };
    let (clo, chi, cticks) = nice_range(
        if cmin >= 0.0 {
            (cmin - pad).max(0.0)
        } else {
            cmin - pad
        },
        cmax + pad,
        7,
    );
    let left = MARGIN + 30 + text_width("10.0", SMALL_SIZE, false) + 10;
    let right = pen.width() - MARGIN - 10;
    let bottom = pen.height() - X_AXIS_SPACE - 12;
    let x = Scale::new(clo, chi, false, left, right);
    // Headroom above the cap for the "∞" of designs drawn there.
    let headroom = (axis.cap - axis.low) * 0.07;
    let y = Scale::new(axis.low, axis.cap + headroom, false, bottom, top);
    let cur = currency(input);
    let x_title = if cur.is_empty() {
        "monthly cost of the design's hosts".to_string()
    } else {
        format!("monthly cost of the design's hosts ({cur})")
    };
    x_axis(pen, &x, &cticks, &|v| fmt_num(v), top, bottom, &x_title)?;
    y_axis(
        pen,
        &y,
        &y.ticks(6),
        &|v| fmt_num(v),
        left,
        right,
        &nines_title_short(&input.indicator),
        MARGIN + 4,
    )?;
    let at = |p: &P| -> (i32, i32, bool) {
        let (v, capped) = axis.place(p.ni.mean.unwrap_or(0.0));
        (x.px(p.cost), y.px(v), capped)
    };
    // Whiskers first, under everything.
    for p in &pts {
        if let (Some(lo), Some(hi)) = (p.ni.low, p.ni.high) {
            let c = if p.frontier { LINES[0] } else { NEUTRAL };
            let px = x.px(p.cost);
            let (yl, yh) = (y.px(axis.place(lo).0), y.px(axis.place(hi).0));
            pen.line(vec![(px, yl), (px, yh)], c.mix(0.55), 2)?;
        }
    }
    // Frontier: best availability for each budget, a staircase.
    let mut frontier: Vec<&P> = pts.iter().filter(|p| p.frontier).collect();
    frontier.sort_by(|a, b| a.cost.total_cmp(&b.cost));
    let mut stairs: Vec<(i32, i32)> = Vec::new();
    for p in &frontier {
        let (px, py, _) = at(p);
        if let Some(&(_, prev_y)) = stairs.last() {
            stairs.push((px, prev_y));
        }
        stairs.push((px, py));
    }
    let mut labeller = Labeller {
        taken: Vec::new(),
        bounds: (left + 2, top, right, bottom - 2),
    };
    // Labels keep clear of the points, the staircase and the whiskers.
    for p in &pts {
        let (px, py, capped) = at(p);
        labeller.taken.push((px - 7, py - 7, px + 7, py + 7));
        if capped {
            labeller.taken.push((px - 6, py - 26, px + 6, py));
        }
        if let (Some(lo), Some(hi)) = (p.ni.low, p.ni.high) {
            let (yl, yh) = (y.px(axis.place(lo).0), y.px(axis.place(hi).0));
            labeller
                .taken
                .push((px - 2, yl.min(yh), px + 2, yl.max(yh)));
        }
    }
    for w in stairs.windows(2) {
        let (a, b) = (w[0], w[1]);
        labeller.taken.push((
            a.0.min(b.0) - 2,
            a.1.min(b.1) - 2,
            a.0.max(b.0) + 2,
            a.1.max(b.1) + 2,
        ));
    }
    pen.line(stairs, LINES[0].mix(0.8), 2)?;
    for p in pts.iter().filter(|p| !p.frontier) {
        let (px, py, capped) = at(p);
        pen.ring((px, py), 5, NEUTRAL.to_rgba())?;
        if capped {
            infinity(pen, (px, py - 8), MUTED)?;
        }
    }
    for p in &frontier {
        let (px, py, capped) = at(p);
        pen.circle((px, py), 6, LINES[0].to_rgba(), true)?;
        if capped {
            infinity(pen, (px, py - 9), INK)?;
        }
    }
    // Labels: frontier designs first, then the others in rank order.
    let order = pts
        .iter()
        .filter(|p| p.frontier)
        .chain(pts.iter().filter(|p| !p.frontier));
    for p in order {
        let (px, py, _) = at(p);
        let name = fit(p.name, SMALL_SIZE, false, 180);
        if let Some((pos, anchor)) = labeller.place(&name, (px, py)) {
            let color = if p.frontier { INK } else { MUTED };
            pen.text(&name, pos, SMALL_SIZE, color, anchor)?;
        }
    }
    axis_lines(pen, &x, &y)
}

/// The mark of a point drawn at the cap of a nines axis because its
/// availability is 1.
fn infinity<DB: DrawingBackend>(pen: &Pen<DB>, at: (i32, i32), color: RGBColor) -> Drawn {
    pen.text_styled(
        "∞",
        at,
        TITLE_SIZE,
        false,
        color,
        Anchor::CenterBottom,
        false,
    )
}

/// A subtitle's note on points drawn at the cap, if any.
fn infinity_note(capped: bool) -> &'static str {
    if capped {
        " ∞: availability 1 (no downtime seen), drawn at the top."
    } else {
        ""
    }
}

// --- 6. sweeps --------------------------------------------------------------

fn sweep_figure<'a>(input: &'a ChartInput, n: usize, sweep: &'a SweepChartData) -> Figure<'a> {
    let ind = &input.indicator;
    let lines: Vec<&SweepSeries> = sweep
        .series
        .iter()
        .filter(|s| !sweep_points(s).is_empty())
        .collect();
    let legend = if lines.len() > 1 || lines.first().is_some_and(|s| !s.label.is_empty()) {
        lines
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let swatch = if k < LINES.len() {
                    Swatch::Line
                } else {
                    Swatch::Dashed
                };
                item(&s.label, line_color(k), swatch)
            })
            .collect()
    } else {
        vec![]
    };
    let title = format!("Availability of {ind} against {}", sweep.key);
    let capped = lines
        .iter()
        .flat_map(|s| &s.points)
        .any(|(_, a)| nines(a.mean) == Some(f64::INFINITY));
    let page = Page::new(
        &title,
        &format!(
            "Higher is better. One line per combination of the study's other settings; the band is the 95% confidence interval.{}",
            infinity_note(capped)
        ),
        legend,
    );
    let height = height_for(&page, 330);
    Figure {
        stem: format!("sweep-{n}"),
        title,
        caption: format!(
            "Nines of {ind} availability as {} varies, one line per combination of the study's other settings, with the 95% confidence interval shaded.",
            sweep.key
        ),
        height,
        page,
        body: Body::Sweep(input, sweep),
    }
}

/// A sweep line's points with finite x and a mean, sorted by x.
fn sweep_points(s: &SweepSeries) -> Vec<(f64, NinesInterval)> {
    let mut pts: Vec<(f64, NinesInterval)> = s
        .points
        .iter()
        .filter(|(x, _)| x.is_finite())
        .map(|(x, a)| (*x, NinesInterval::of(a)))
        .filter(|(_, n)| n.mean.is_some())
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    pts
}

fn draw_sweep<DB: DrawingBackend>(
    pen: &Pen<DB>,
    top: i32,
    input: &ChartInput,
    sweep: &SweepChartData,
) -> Drawn {
    let lines: Vec<Vec<(f64, NinesInterval)>> = sweep
        .series
        .iter()
        .map(sweep_points)
        .filter(|p| !p.is_empty())
        .collect();
    if lines.is_empty() {
        return pen.empty(top, "This sweep has no points.");
    }
    let xs = lines.iter().flatten().map(|p| p.0);
    let (xmin, xmax) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |a, v| {
        (a.0.min(v), a.1.max(v))
    });
    let log = sweep.log_x && xmin > 0.0;
    let axis = NinesAxis::of(lines.iter().flatten().flat_map(|p| p.1.values()));
    let left = MARGIN + 30 + text_width("10.0", SMALL_SIZE, false) + 10;
    let right = pen.width() - MARGIN - 14;
    let bottom = pen.height() - X_AXIS_SPACE - 12;
    let (xlo, xhi) = if log {
        (xmin / 1.15, xmax * 1.15)
    } else {
        let pad = if xmax > xmin {
            (xmax - xmin) * 0.04
        } else {
            (xmax.abs() * 0.1).max(1.0)
        };
        (xmin - pad, xmax + pad)
    };
    let x = Scale::new(xlo, xhi, log, left, right);
    let headroom = (axis.cap - axis.low) * 0.07;
    let y = Scale::new(axis.low, axis.cap + headroom, false, bottom, top);
    let mut x_title = sweep.x_label.clone();
    if log {
        x_title.push_str(", log scale");
    } else if sweep.log_x {
        x_title.push_str(" (linear: some values are not positive)");
    }
    x_axis(pen, &x, &x.ticks(8), &|v| fmt_num(v), top, bottom, &x_title)?;
    y_axis(
        pen,
        &y,
        &y.ticks(6),
        &|v| fmt_num(v),
        left,
        right,
        &nines_title_short(&input.indicator),
        MARGIN + 4,
    )?;
    let ypx = |v: f64| y.px(axis.place(v).0);
    for (k, pts) in lines.iter().enumerate() {
        let c = line_color(k);
        let mut band: Vec<(i32, i32)> = pts
            .iter()
            .map(|(xv, n)| (x.px(*xv), ypx(n.high.or(n.mean).unwrap_or(0.0))))
            .collect();
        band.extend(
            pts.iter()
                .rev()
                .map(|(xv, n)| (x.px(*xv), ypx(n.low.or(n.mean).unwrap_or(0.0)))),
        );
        if pts.len() >= 2 {
            pen.polygon(band, c.mix(0.16))?;
        }
    }
    for (k, pts) in lines.iter().enumerate() {
        let c = line_color(k).to_rgba();
        let px: Vec<(i32, i32)> = pts
            .iter()
            .map(|(xv, n)| (x.px(*xv), ypx(n.mean.unwrap_or(0.0))))
            .collect();
        if k < LINES.len() {
            pen.line(px.clone(), c, 2)?;
        } else {
            pen.dashed(px.clone(), c, 2)?;
        }
        for ((xv, n), at) in pts.iter().zip(&px) {
            if let (1, Some(lo), Some(hi)) = (pts.len(), n.low, n.high) {
                let xp = x.px(*xv);
                pen.line(vec![(xp, ypx(lo)), (xp, ypx(hi))], c, 2)?;
            }
            pen.circle(*at, 4, c, true)?;
            if n.mean.is_some_and(|m| m >= axis.cap) {
                infinity(pen, (at.0, at.1 - 7), INK)?;
            }
        }
    }
    axis_lines(pen, &x, &y)
}

// --- 7. timeline ------------------------------------------------------------

/// The time unit for a window of `seconds`: (seconds per unit, name).
fn time_unit(seconds: f64) -> (f64, &'static str) {
    if seconds <= 3.0 * 3600.0 {
        (60.0, "minutes")
    } else if seconds <= 72.0 * 3600.0 {
        (3600.0, "hours")
    } else {
        (86_400.0, "days")
    }
}

/// The states shown in a timeline's window in order of first appearance,
/// "up" first.
fn states(t: &Timeline) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let shown = |s: &&TimelineSpan| s.to.min(t.end) > s.from.max(t.start);
    for s in t.rows.iter().flat_map(|r| &r.spans).filter(shown) {
        if !seen.iter().any(|x| x == &s.state) {
            seen.push(s.state.clone());
        }
    }
    if let Some(i) = seen
        .iter()
        .position(|s| s.trim().eq_ignore_ascii_case("up"))
    {
        let up = seen.remove(i);
        seen.insert(0, up);
    }
    seen
}

const SEPARATOR: i32 = 14;

fn timeline(t: &Timeline) -> Figure<'_> {
    let legend = states(t)
        .iter()
        .map(|s| item(s, state_color(s), Swatch::Block))
        .collect();
    let page = Page::new(
        &t.title,
        "One sample replication: each row is a component or an indicator, coloured by its state.",
        legend,
    );
    let n = t.rows.len();
    let row_h = timeline_row_height(&page, n);
    let sep = if has_separator(t) { SEPARATOR } else { 0 };
    let height = height_for(&page, row_h * n as i32 + sep);
    Figure {
        stem: "timeline".into(),
        title: t.title.clone(),
        caption: "One sample replication around an outage: each row is a component or an indicator (below the line), coloured by its state over time.".into(),
        height,
        page,
        body: Body::Timeline(t),
    }
}

fn timeline_row_height(page: &Page, n: usize) -> i32 {
    if n == 0 {
        return 0;
    }
    let most = (MAX_HEIGHT - page.body_top - X_AXIS_SPACE - 12 - SEPARATOR) / n as i32;
    (if n <= 12 { 30 } else { 24 }).min(most).max(1)
}

fn has_separator(t: &Timeline) -> bool {
    t.rows.iter().any(|r| r.indicator) && t.rows.iter().any(|r| !r.indicator)
}

fn draw_timeline<DB: DrawingBackend>(pen: &Pen<DB>, top: i32, t: &Timeline) -> Drawn {
    let span = t.end - t.start;
    if !(span > 0.0 && span.is_finite() && t.start.is_finite()) {
        return pen.empty(top, "The timeline's window is empty.");
    }
    if t.rows.is_empty() {
        return pen.empty(top, "The timeline has no rows.");
    }
    let n = t.rows.len();
    let bottom_limit = pen.height() - X_AXIS_SPACE - 12;
    let sep = if has_separator(t) { SEPARATOR } else { 0 };
    let row_h = ((bottom_limit - top - sep) / n as i32).max(1);
    let bold: Vec<bool> = t.rows.iter().map(|r| r.indicator).collect();
    let (labels, label_w) = row_labels(t.rows.iter().map(|r| r.label.as_str()), &bold);
    let left = MARGIN + label_w + 14;
    let right = pen.width() - MARGIN - 10;
    let (unit, unit_name) = time_unit(span);
    let x = Scale::new(0.0, span / unit, false, left, right);
    let first_indicator = t.rows.iter().position(|r| r.indicator);
    let row_top = |i: usize| {
        let extra = match first_indicator {
            Some(f) if sep > 0 && i >= f => sep,
            _ => 0,
        };
        top + row_h * i as i32 + extra
    };
    let bottom = row_top(n - 1) + row_h;
    let x_title = if t.start > 0.0 {
        format!(
            "{unit_name} from the window's start, {} into the replication",
            human_duration_minutes(t.start / 60.0)
        )
    } else {
        format!("{unit_name} from the replication's start")
    };
    x_axis(
        pen,
        &x,
        &x.ticks(10),
        &|v| fmt_num(v),
        top,
        bottom,
        &x_title,
    )?;
    let pad = if row_h >= 12 { 3 } else { 0 };
    // Rows thinner than a line of text label every few rows.
    let label_every = 17u32.div_ceil(row_h.max(1) as u32) as usize;
    for (i, row) in t.rows.iter().enumerate() {
        let y0 = row_top(i);
        let cy = y0 + row_h / 2;
        if i % label_every == 0 {
            pen.text_styled(
                &labels[i],
                (left - 10, cy),
                SMALL_SIZE,
                row.indicator,
                INK,
                Anchor::RightCenter,
                false,
            )?;
        }
        pen.rect(
            (left, y0 + pad),
            (right, y0 + row_h - pad),
            STRIPE.to_rgba(),
        )?;
        for s in &row.spans {
            let (from, to) = (s.from.max(t.start), s.to.min(t.end));
            if !(from.is_finite() && to.is_finite() && to > from) {
                continue;
            }
            let (a, mut b) = (x.px((from - t.start) / unit), x.px((to - t.start) / unit));
            // Keep short spans visible.
            if b - a < 2 {
                b = (a + 2).min(right);
            }
            pen.rect(
                (a, y0 + pad),
                (b, y0 + row_h - pad),
                state_color(&s.state).to_rgba(),
            )?;
        }
    }
    if let Some(f) = first_indicator.filter(|_| sep > 0) {
        let y = row_top(f) - sep / 2;
        pen.line(vec![(MARGIN, y), (right, y)], AXIS.to_rgba(), 1)?;
    }
    axis_lines(pen, &x, &Scale::new(0.0, 1.0, false, bottom, top))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(mean: f64, half: f64) -> Interval {
        Interval {
            mean,
            ci_low: Some(mean - half),
            ci_high: Some(mean + half),
        }
    }

    const CAUSES: [&str; 9] = [
        "host failure",
        "zone outage",
        "load balancer",
        "etcd election",
        "controller failover",
        "process crash",
        "maintenance",
        "eviction or scheduling",
        "disaster recovery",
    ];

    fn design(name: &str, avail: Interval, cost: f64, frontier: bool) -> DesignChartData {
        let total = (1.0 - avail.mean) * 525_960.0;
        let shares = [0.35, 0.1, 0.05, 0.1, 0.05, 0.15, 0.2, 0.0, 0.0];
        let q = |scale: f64| -> Vec<(f64, f64)> {
            (1..=19)
                .map(|k| {
                    let p = k as f64 / 20.0;
                    (p, scale * (-(1.0 - p).ln()).max(0.01))
                })
                .collect()
        };
        DesignChartData {
            name: name.into(),
            availability: avail,
            downtime_by_cause: shares.iter().map(|s| s * total).collect(),
            outage_minutes_quantiles: if total > 0.0 {
                q(20.0 * cost / 1000.0)
            } else {
                vec![]
            },
            rpo_minutes_quantiles: q(0.5 + cost / 2000.0),
            monthly_cost: Some(cost),
            currency: "USD".into(),
            on_frontier: frontier,
        }
    }

    fn span(from: f64, to: f64, state: &str) -> TimelineSpan {
        TimelineSpan {
            from,
            to,
            state: state.into(),
        }
    }

    fn sample() -> ChartInput {
        let mut designs = vec![
            design("stacked-5-zones", iv(1.0, 0.0), 4200.0, true),
            design("stacked-3", iv(0.999_97, 0.000_01), 2100.0, true),
            design("external-etcd-3", iv(0.999_95, 0.000_02), 2600.0, false),
            design("stacked-3-single-zone", iv(0.999_8, 0.000_05), 1900.0, true),
            design(
                "a design with an extremely long name that goes on and on to test truncation",
                iv(0.999_5, 0.000_2),
                2400.0,
                false,
            ),
            design("single-control-plane", iv(0.998, 0.000_5), 900.0, true),
        ];
        designs[0].availability.ci_low = Some(0.999_995);
        designs[0].availability.ci_high = Some(1.000_001);
        designs[2].rpo_minutes_quantiles.clear();
        let sweep = SweepChartData {
            key: "control_plane.node.repair.median".into(),
            x_label: "control-plane node repair median (minutes)".into(),
            log_x: true,
            series: ["zones = 1", "zones = 3"]
                .iter()
                .enumerate()
                .map(|(k, label)| SweepSeries {
                    label: (*label).into(),
                    points: [5.0, 15.0, 60.0, 240.0, 1440.0]
                        .iter()
                        .map(|&x: &f64| {
                            let u = 1e-6 * (1.0 + x).sqrt() * (1.0 + 9.0 * (1 - k) as f64);
                            (x, iv(1.0 - u, u * 0.2))
                        })
                        .collect(),
                })
                .collect(),
        };
        let m = 60.0;
        let up_down = |a: f64, b: f64, bad: &str| {
            vec![
                span(0.0, a * m, "up"),
                span(a * m, b * m, bad),
                span(b * m, 90.0 * m, "up"),
            ]
        };
        let row = |label: &str, indicator: bool, spans: Vec<TimelineSpan>| TimelineRow {
            label: label.into(),
            indicator,
            spans,
        };
        let timeline = Timeline {
            title: "stacked-3, replication 17: api outage of 42 min (host failure)".into(),
            start: 0.0,
            end: 90.0 * m,
            rows: vec![
                row("zone a", false, up_down(10.0, 10.0, "zone down")),
                row("host cp-1", false, up_down(20.0, 62.0, "failed")),
                row("host cp-2", false, up_down(30.0, 45.0, "maintenance")),
                row("host cp-3", false, vec![span(0.0, 90.0 * m, "up")]),
                row("load balancer", false, vec![span(0.0, 90.0 * m, "up")]),
                row(
                    "etcd leader",
                    false,
                    vec![
                        span(0.0, 20.0 * m, "up"),
                        span(20.0 * m, 20.2 * m, "electing"),
                        span(20.2 * m, 30.0 * m, "up"),
                        span(30.0 * m, 62.0 * m, "no leader"),
                        span(62.0 * m, 62.3 * m, "electing"),
                        span(62.3 * m, 90.0 * m, "up"),
                    ],
                ),
                row("controllers", false, up_down(21.0, 23.0, "crashed")),
                row("etcd", true, up_down(30.0, 62.0, "down")),
                row("api", true, up_down(20.0, 62.0, "down")),
                row("control_plane", true, up_down(20.0, 63.0, "down")),
                row("workload/web", true, up_down(25.0, 26.0, "degraded")),
            ],
        };
        ChartInput {
            indicator: "api".into(),
            causes: CAUSES.iter().map(|c| c.to_string()).collect(),
            designs,
            sweeps: vec![sweep],
            timeline: Some(timeline),
        }
    }

    fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().expect("PNG header");
        let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
        let info = reader.next_frame(&mut buf).expect("PNG frame");
        buf.truncate(info.buffer_size());
        assert_eq!(info.color_type, png::ColorType::Rgb);
        (info.width, info.height, buf)
    }

    fn svg_size(svg: &str) -> (u32, u32) {
        let attr = |name: &str| -> u32 {
            let start = svg.find(&format!("{name}=\"")).expect("size attribute") + name.len() + 2;
            let end = start + svg[start..].find('"').expect("closing quote");
            svg[start..end].parse().expect("numeric size")
        };
        (attr("width"), attr("height"))
    }

    /// Whether the SVG has a <text> element holding exactly `s`.
    fn has_text(svg: &str, s: &str) -> bool {
        svg.split("<text").skip(1).any(|t| {
            let body = t.split_once('>').map_or("", |(_, b)| b);
            body.split("</text>").next().map(str::trim) == Some(s)
        })
    }

    fn distinct_colours(rgb: &[u8]) -> usize {
        let mut set = std::collections::HashSet::new();
        for px in rgb.chunks_exact(3) {
            set.insert((px[0], px[1], px[2]));
        }
        set.len()
    }

    #[test]
    fn every_chart_renders_as_svg_and_png() {
        let input = sample();
        let charts = render_all(&input).expect("charts");
        let stems: Vec<&str> = charts.iter().map(|c| c.file_stem.as_str()).collect();
        assert_eq!(
            stems,
            [
                "availability",
                "downtime_by_cause",
                "outage_durations",
                "rpo",
                "cost",
                "sweep-1",
                "timeline"
            ]
        );
        for c in &charts {
            assert!(
                !c.title.is_empty() && !c.caption.is_empty(),
                "{}",
                c.file_stem
            );
            assert!(c.svg.starts_with("<svg"), "{}", c.file_stem);
            assert!(c.svg.contains("<text"), "{}", c.file_stem);
            assert!(
                c.svg.contains("font-family=\"DejaVu Sans, sans-serif\""),
                "{}",
                c.file_stem
            );
            assert!(!c.svg.contains("xlink:href") && !c.svg.contains("<image"));
            let without_ns = c.svg.replace("http://www.w3.org/2000/svg", "");
            assert!(!without_ns.contains("http"), "{}", c.file_stem);
            assert!(c.png.starts_with(b"\x89PNG\r\n\x1a\n"), "{}", c.file_stem);
            let (w, h, rgb) = decode(&c.png);
            assert_eq!((w, h), svg_size(&c.svg), "{}", c.file_stem);
            assert_eq!(w, WIDTH);
            assert!(h >= MIN_HEIGHT as u32);
            assert!(distinct_colours(&rgb) > 50, "{} looks blank", c.file_stem);
        }
        // Design names are really written as text where designs are rows or points.
        for stem in ["availability", "downtime_by_cause", "cost"] {
            let c = charts.iter().find(|c| c.file_stem == stem).unwrap();
            assert!(has_text(&c.svg, "stacked-3"), "{stem}");
        }
        for stem in ["outage_durations", "rpo"] {
            let c = charts.iter().find(|c| c.file_stem == stem).unwrap();
            assert!(c.svg.contains("stacked-3"), "{stem}");
        }
        let long = charts
            .iter()
            .find(|c| c.file_stem == "availability")
            .unwrap();
        assert!(long.svg.contains("a design with an extremely long"));
        assert!(!long.svg.contains("on and on to test truncation"));
        assert!(long.svg.contains('…'));
    }

    /// Inputs that have broken chart code before: nothing, extremes, junk.
    fn edge_inputs() -> Vec<(&'static str, ChartInput)> {
        let empty = ChartInput {
            indicator: "api".into(),
            causes: CAUSES.iter().map(|c| c.to_string()).collect(),
            designs: vec![],
            sweeps: vec![],
            timeline: None,
        };
        let mut perfect = design("perfect", iv(1.0, 0.0), 1000.0, true);
        perfect.availability = Interval {
            mean: 1.0,
            ci_low: None,
            ci_high: None,
        };
        perfect.downtime_by_cause = vec![0.0; 9];
        perfect.outage_minutes_quantiles.clear();
        perfect.rpo_minutes_quantiles.clear();
        let single = ChartInput {
            designs: vec![perfect],
            sweeps: vec![SweepChartData {
                key: "zones".into(),
                x_label: "zones".into(),
                log_x: true,
                series: vec![
                    SweepSeries {
                        label: String::new(),
                        points: vec![(0.0, iv(1.0, 0.0))],
                    },
                    SweepSeries {
                        label: "empty".into(),
                        points: vec![],
                    },
                ],
            }],
            timeline: Some(Timeline {
                title: "empty window".into(),
                start: 100.0,
                end: 100.0,
                rows: vec![],
            }),
            ..empty_like(&empty)
        };
        let many: Vec<DesignChartData> = (0..40)
            .map(|i| {
                let a = 1.0 - 10f64.powf(-2.0 - f64::from(i) * 0.1);
                let mut d = design(
                    &format!(
                        "design number {i} with a rather long descriptive name, {}",
                        "x".repeat(i as usize)
                    ),
                    iv(a, (1.0 - a) * 0.3),
                    500.0 + 97.0 * f64::from(i),
                    i % 5 == 0,
                );
                d.downtime_by_cause = vec![0.0; 9];
                d.outage_minutes_quantiles = vec![(0.5, 3.0 + f64::from(i))];
                d
            })
            .collect();
        let forty = ChartInput {
            designs: many,
            sweeps: vec![SweepChartData {
                key: "k".into(),
                x_label: "a setting".into(),
                log_x: false,
                series: (0..12)
                    .map(|k| SweepSeries {
                        label: format!("series {k}"),
                        points: (0..4)
                            .map(|i| (f64::from(i), iv(0.99 + 0.001 * f64::from(k), 0.0005)))
                            .collect(),
                    })
                    .collect(),
            }],
            ..empty_like(&empty)
        };
        let junk_design = DesignChartData {
            name: String::new(),
            availability: Interval {
                mean: f64::NAN,
                ci_low: Some(1.5),
                ci_high: Some(-0.5),
            },
            downtime_by_cause: vec![f64::NAN, -3.0, f64::INFINITY],
            outage_minutes_quantiles: vec![(0.5, 0.0), (f64::NAN, 1.0), (2.0, -1.0)],
            rpo_minutes_quantiles: vec![(1.0, 0.0)],
            monthly_cost: Some(f64::NAN),
            currency: String::new(),
            on_frontier: true,
        };
        let junk = ChartInput {
            indicator: String::new(),
            causes: vec![],
            designs: vec![junk_design, design("ok", iv(0.999, 0.0001), -5.0, true)],
            sweeps: vec![SweepChartData {
                key: String::new(),
                x_label: String::new(),
                log_x: true,
                series: vec![SweepSeries {
                    label: "nan".into(),
                    points: vec![(f64::NAN, iv(0.9, 0.0)), (-1.0, iv(f64::NAN, 0.0))],
                }],
            }],
            timeline: Some(Timeline {
                title: "rows galore".into(),
                start: 0.0,
                end: 1e6,
                rows: (0..500)
                    .map(|i| TimelineRow {
                        label: format!("row {i}"),
                        indicator: i > 250,
                        spans: vec![
                            span(-10.0, 5.0, "up"),
                            span(5.0, 2e6, &format!("state {}", i % 13)),
                            span(f64::NAN, 3.0, "down"),
                        ],
                    })
                    .collect(),
            }),
        };
        vec![
            ("empty", empty),
            ("single", single),
            ("forty", forty),
            ("junk", junk),
        ]
    }

    fn empty_like(e: &ChartInput) -> ChartInput {
        ChartInput {
            indicator: e.indicator.clone(),
            causes: e.causes.clone(),
            designs: vec![],
            sweeps: vec![],
            timeline: None,
        }
    }

    #[test]
    fn edge_cases_draw_without_panicking() {
        for (name, input) in edge_inputs() {
            let charts = render_all(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
            for c in &charts {
                assert!(c.svg.starts_with("<svg"), "{name}/{}", c.file_stem);
                let (w, h, _) = decode(&c.png);
                assert_eq!((w, h), svg_size(&c.svg), "{name}/{}", c.file_stem);
                assert!(h <= MAX_HEIGHT as u32);
            }
            let stems: Vec<&str> = charts.iter().map(|c| c.file_stem.as_str()).collect();
            match name {
                "empty" => {
                    assert_eq!(
                        stems,
                        ["availability", "downtime_by_cause", "outage_durations"]
                    );
                    assert!(has_text(&charts[0].svg, "No designs to show."));
                }
                "single" => {
                    assert_eq!(
                        stems,
                        [
                            "availability",
                            "downtime_by_cause",
                            "outage_durations",
                            "cost",
                            "sweep-1",
                            "timeline"
                        ]
                    );
                    assert!(has_text(&charts[0].svg, "no downtime seen"));
                }
                "forty" => {
                    let a = &charts[0];
                    assert!(a.svg.contains("design number 39 with"));
                    assert!(svg_size(&a.svg).1 > 900, "forty rows need room");
                }
                _ => {}
            }
        }
    }

    #[test]
    fn bitmap_text_uses_the_embedded_font() {
        let mut input = sample();
        input.sweeps.clear();
        input.timeline = None;
        let charts = render_all(&input).expect("charts");
        let (w, h, rgb) = decode(&charts[0].png);
        assert!(w > 400 && h > 50);
        // The title is drawn from x = 24, its cap height from about y = 18.
        let dark = (14..46)
            .flat_map(|y| (24..400).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let i = (y * w as usize + x) * 3;
                rgb[i..i + 3].iter().all(|&c| c < 100)
            })
            .count();
        assert!(dark > 300, "only {dark} dark pixels where the title is");
        // The subtitle is a lighter grey and the margin above the title blank.
        let blank_row = (0..w as usize).all(|x| rgb[x * 3..x * 3 + 3] == [255, 255, 255]);
        assert!(blank_row);
    }

    #[test]
    fn labels_fit_with_an_ellipsis() {
        let long = "a design with an extremely long name that goes on and on";
        let cut = fit(long, SMALL_SIZE, false, 120);
        assert!(cut.ends_with('…') && cut.len() < long.len());
        assert!(text_width(&cut, SMALL_SIZE, false) <= 120);
        assert_eq!(fit("short", SMALL_SIZE, false, 120), "short");
        assert_eq!(fit("wide", SMALL_SIZE, false, 0), "…");
    }

    #[test]
    fn axes_always_have_ticks() {
        assert_eq!(log_ticks(1.0, 1000.0, 8), [1.0, 10.0, 100.0, 1000.0]);
        assert_eq!(
            log_ticks(4.3, 1656.0, 8),
            [5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]
        );
        for (lo, hi) in [
            (3.0, 8.0),
            (1.0, 1.5),
            (0.01, 1e5),
            (1e-9, 1e9),
            (42.0, 43.0),
        ] {
            assert!(log_ticks(lo, hi, 8).len() >= 2, "{lo}..{hi}");
        }
        assert_eq!(
            linear_ticks(0.0, 1.0, 5),
            [0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        let (lo, hi, ticks) = nice_range(0.0, 1051.0, 7);
        assert_eq!((lo, hi), (0.0, 1200.0));
        assert_eq!(ticks.last(), Some(&1200.0));
        assert_eq!(fmt_num(12500.0), "12,500");
        assert_eq!(fmt_num(0.05), "0.05");
        assert_eq!(fmt_num(3.0 * 0.1), "0.3");
    }

    #[test]
    fn nines_cap_infinite_availability() {
        assert_eq!(nines(1.0), Some(f64::INFINITY));
        assert_eq!(nines(1.2), Some(f64::INFINITY));
        assert_eq!(nines(-0.5), Some(0.0));
        assert_eq!(nines(f64::NAN), None);
        assert!((nines(0.999).unwrap() - 3.0).abs() < 1e-9);
        let axis = NinesAxis::of([4.2, f64::INFINITY, 2.7].into_iter());
        assert_eq!((axis.low, axis.cap), (2.0, 5.0));
        assert_eq!(axis.place(f64::INFINITY), (5.0, true));
        assert_eq!(axis.place(4.2), (4.2, false));
    }

    #[test]
    fn states_have_stable_colours() {
        assert_eq!(state_color("up"), state_color("Up"));
        assert_eq!(state_color("draining"), state_color("draining"));
        let fixed = [
            "up",
            "down",
            "failed",
            "zone down",
            "maintenance",
            "crashed",
            "electing",
            "no leader",
        ];
        for s in fixed {
            assert!(!OTHER_STATES.contains(&state_color(s)), "{s}");
        }
    }

    /// Writes every chart of the sample and of the edge cases to
    /// /tmp/charts-preview to look at: `cargo test --lib charts -- --ignored`.
    #[test]
    #[ignore]
    fn preview_pngs() {
        let dir = std::path::Path::new("/tmp/charts-preview");
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        for c in render_all(&sample()).expect("charts") {
            let _ = std::fs::write(dir.join(format!("{}.png", c.file_stem)), &c.png);
            let _ = std::fs::write(dir.join(format!("{}.svg", c.file_stem)), &c.svg);
        }
        for (name, input) in edge_inputs() {
            for c in render_all(&input).expect("charts") {
                let _ =
                    std::fs::write(dir.join(format!("edge-{name}-{}.png", c.file_stem)), &c.png);
            }
        }
    }
}
