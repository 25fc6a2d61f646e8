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
//!
//! Crowds and ties stay readable: lines that coincide are drawn once and
//! named under the legend, the others differ in colour, dash and marker;
//! the baseline's outage curve is always drawn; point labels never overlap
//! (moved onto leader lines, or replaced by rank numbers keyed under the
//! chart); downtimes far apart are split into panels; every timeline state
//! has its own colour. In the SVG every mark has a tooltip (`<title>`)
//! with its exact value and interval.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::coord::Shift;
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
    /// Standalone SVG document (starts with "<svg", no XML prolog, so it can
    /// be inlined in HTML); every mark has a `<title>` tooltip.
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
    /// Name of the design the differences are taken against, if any: its
    /// outage curve is always drawn, and it is marked in every chart.
    pub baseline: Option<String>,
}

/// One design of the study.
pub struct DesignChartData {
    pub name: String,
    /// Availability of `indicator`: mean and 95% interval (fractions, e.g. 0.99995).
    pub availability: Interval,
    /// Downtime minutes per year of `indicator`: mean and 95% interval.
    pub downtime_minutes_per_year: Interval,
    /// Downtime minutes per year of `indicator` by cause, mean and 95%
    /// interval each, same order as `causes` (the means sum to the total).
    pub downtime_by_cause: Vec<Interval>,
    /// Outage-length distribution of `indicator`: (cumulative probability, minutes), increasing in both; empty when no outage was seen.
    pub outage_minutes_quantiles: Vec<(f64, f64)>,
    /// RPO distribution (minutes of data lost per data-loss event): same
    /// shape, over every event: when some events lost their data for good
    /// (they have no RPO), the curve ends below 100% by their share. Empty
    /// when the design can lose no data or none was lost.
    pub rpo_minutes_quantiles: Vec<(f64, f64)>,
    /// The share of data-loss events that lost their data for good.
    pub rpo_lost_share: f64,
    /// The same per scope of data (`etcd`, `workload/NAME`), when a
    /// disaster can strike a workload's data: (scope, curve, lost share).
    pub rpo_by_scope: Vec<ScopeCurve>,
    /// Monthly cost of the design's hosts, when the study gives costs.
    pub monthly_cost: Option<f64>,
    /// Currency label for the cost axis, e.g. "USD" (may be empty).
    pub currency: String,
    /// No other design is both cheaper (or equal) and more available (or equal), with one strictly better.
    pub on_frontier: bool,
}

/// One scope's RPO distribution, as [`DesignChartData::rpo_minutes_quantiles`].
#[derive(Clone, Debug, Default)]
pub struct ScopeCurve {
    pub scope: String,
    pub quantiles: Vec<(f64, f64)>,
    pub lost_share: f64,
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
/// quantiles), one "rpo-workload-NAME" per workload scope some design lost
/// data of, cost (only if there are designs and every one has a cost),
/// one "sweep-<n>" per sweep, timeline (if Some).
pub fn render_all(input: &ChartInput) -> Result<Vec<Chart>, ChartError> {
    load_fonts()?;
    let mut figures = vec![
        availability(input),
        downtime(input),
        quantiles(input, false, None),
    ];
    if input
        .designs
        .iter()
        .any(|d| !d.rpo_minutes_quantiles.is_empty())
    {
        figures.push(quantiles(input, true, None));
    }
    for scope in workload_scopes(input) {
        figures.push(quantiles(input, true, Some(scope)));
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
/// Lines drawn on an outage or RPO chart at most: the baseline's and one
/// per colour of [`SERIES`].
const MAX_LINES: usize = 8;

const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const MUTED: RGBColor = RGBColor(0x5c, 0x5c, 0x5c);
const AXIS: RGBColor = RGBColor(0x8c, 0x8c, 0x8c);
const GRID: RGBColor = RGBColor(0xe4, 0xe4, 0xe4);
const STRIPE: RGBColor = RGBColor(0xf6, 0xf6, 0xf6);
const NEUTRAL: RGBColor = RGBColor(0x9a, 0x9a, 0x9a);

/// The colour of single-series marks and of the cost frontier.
const ACCENT: RGBColor = RGBColor(0x00, 0x72, 0xb2);

/// Lines other than the baseline: Okabe and Ito's colour-blind-safe
/// palette without black (the baseline's), yellow darkened for lines.
const SERIES: [RGBColor; 7] = [
    RGBColor(0x00, 0x72, 0xb2),
    RGBColor(0xe6, 0x9f, 0x00),
    RGBColor(0x00, 0x9e, 0x73),
    RGBColor(0xd5, 0x5e, 0x00),
    RGBColor(0xcc, 0x79, 0xa7),
    RGBColor(0x56, 0xb4, 0xe9),
    RGBColor(0xa8, 0x8f, 0x00),
];

/// Fills for stacked causes, in kubenines' cause order: Okabe-Ito, then
/// greys and a brown.
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

const fn rgb(hex: u32) -> RGBColor {
    RGBColor((hex >> 16) as u8, (hex >> 8) as u8, hex as u8)
}

/// The colour of every state the simulator reports on a timeline, each its
/// own. An indicator's state is the cause it waits for, coloured as that
/// cause in the downtime chart; a component's state is a darker or lighter
/// shade of the cause it usually leads to (a zone `down`, a host `zone down`
/// and an indicator's `zone outage` are three oranges), or a colour of its
/// own. No two are alike: the test `timeline_states_have_distinct_colours`
/// keeps them at least [`MIN_STATE_CONTRAST`] apart in CIELAB.
const STATE_COLORS: [(&str, RGBColor); 30] = [
    ("up", rgb(0x8dd3b4)),
    // The causes, as in the downtime chart.
    ("disaster recovery", FILLS[0]),
    ("zone outage", FILLS[1]),
    ("load balancer", FILLS[2]),
    ("host failure", FILLS[3]),
    ("maintenance", FILLS[4]),
    ("process crash", FILLS[5]),
    ("etcd election", FILLS[6]),
    ("controller failover", FILLS[7]),
    ("eviction or scheduling", FILLS[8]),
    // The causes only some models have; a change's first, others as an
    // unknown state's (`change NAME` in the downtime chart).
    ("region outage", rgb(0x440011)),
    ("rack outage", rgb(0x8844ee)),
    ("certificate expiry", rgb(0xb2182b)),
    ("change", rgb(0xe7298a)),
    // Components.
    ("recovering", rgb(0x003c60)),
    ("down", rgb(0x9e6b00)),
    ("zone down", rgb(0xf6c760)),
    ("rack down", rgb(0xd0b0ff)),
    ("region down", rgb(0xff7788)),
    ("failed", rgb(0x8f3f00)),
    ("disk lost", rgb(0xf0a070)),
    ("apiserver crashed", rgb(0x7d2a63)),
    ("etcd crashed", rgb(0xebb8d5)),
    ("electing", rgb(0xaa9d00)),
    ("no leader", rgb(0x8c564b)),
    ("no quorum", rgb(0x1a1a1a)),
    ("failover", rgb(0x332288)),
    ("waiting for api", rgb(0x6f7fd6)),
    ("own apiserver down", rgb(0x0a5c46)),
    // A cluster autoscaler's worker slot with no worker: next to nothing.
    ("absent", rgb(0xe6e6e6)),
];

/// The colours of the downtime causes of changes (`change NAME`), in the
/// order the changes are listed: the first is the timeline's "change";
/// past the last, a change gets a colour of its own as any unknown state.
const CHANGE_COLORS: [RGBColor; 4] = [rgb(0xe7298a), rgb(0x8e0152), rgb(0xf1b6da), rgb(0xc51b7d)];

/// The least CIE76 colour difference between two timeline states.
#[cfg(test)]
const MIN_STATE_CONTRAST: f64 = 20.0;

/// A known state's colour, matched without regard to case or spaces at the ends.
fn known_state_color(state: &str) -> Option<RGBColor> {
    let key = state.trim().to_ascii_lowercase();
    STATE_COLORS
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, c)| *c)
}

/// The colour of each of a timeline's `states` (distinct names, as shown):
/// the fixed colour of a known state, and for any other a colour of its
/// own, different from every other state's in the chart.
fn state_colors(states: &[String]) -> Vec<RGBColor> {
    let mut changes = CHANGE_COLORS.iter();
    let mut out: Vec<Option<RGBColor>> = states
        .iter()
        .map(|s| {
            // Changes' causes (`change NAME`) in the change's magentas, in order.
            if s.starts_with("change ") {
                changes.next().copied()
            } else {
                known_state_color(s)
            }
        })
        .collect();
    let mut used: Vec<RGBColor> = out.iter().flatten().copied().collect();
    let mut k = 0u32;
    for c in out.iter_mut().filter(|c| c.is_none()) {
        // Hues a golden angle apart, in three lightnesses: stable across
        // runs, and skipping any colour already in the chart.
        let colour = loop {
            let candidate = hsl(
                (f64::from(k) * 137.508 + 20.0) % 360.0,
                0.55,
                [0.45, 0.62, 0.32][(k % 3) as usize],
            );
            k += 1;
            if !used.contains(&candidate) && !STATE_COLORS.iter().any(|(_, c)| *c == candidate) {
                break candidate;
            }
        };
        used.push(colour);
        *c = Some(colour);
    }
    out.into_iter().map(|c| c.unwrap_or(NEUTRAL)).collect()
}

/// An RGB colour from hue (degrees), saturation and lightness (0 to 1).
fn hsl(h: f64, s: f64, l: f64) -> RGBColor {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let byte = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    RGBColor(byte(r), byte(g), byte(b))
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
    wrap_at(text, size, max, lines)
}

fn wrap_at(text: &str, size: f64, max: i32, lines: usize) -> Vec<String> {
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

/// `text` in small type broken into lines of at most `max` pixels, at most
/// `lines` of them.
fn wrap_small(text: &str, max: i32, lines: usize) -> Vec<String> {
    wrap_at(text, SMALL_SIZE, max, lines)
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
        self.fx(v).round() as i32
    }

    /// The pixel of `v` unrounded, clamped to the scale's ends.
    fn fx(&self, v: f64) -> f64 {
        let (a, b) = (self.t(self.lo), self.t(self.hi));
        let f = (self.t(v) - a) / (b - a);
        let f = if f.is_nan() { 0.0 } else { f.clamp(0.0, 1.0) };
        f64::from(self.p0) + f * f64::from(self.p1 - self.p0)
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
    /// The tooltips of the marks drawn so far (SVG only: a bitmap has none).
    tips: RefCell<Vec<Tip>>,
}

/// Where a tooltip answers the pointer: the area of one mark.
#[derive(Clone, Debug, PartialEq)]
enum Hit {
    /// (left, top, right, bottom).
    Rect(i32, i32, i32, i32),
    /// Centre and radius.
    Circle((i32, i32), i32),
    /// A line, and how wide around it the pointer counts.
    Path(Vec<(i32, i32)>, u32),
}

/// A mark's tooltip: its exact value (and interval), shown by the browser
/// when the pointer rests on the mark.
#[derive(Clone, Debug, PartialEq)]
struct Tip {
    hit: Hit,
    text: String,
}

/// The SVG with each tooltip added as an invisible shape over its mark,
/// holding a `<title>`: the shapes come last, so they take the pointer, and
/// are transparent, so the chart looks the same.
fn add_tips(svg: &str, tips: &[Tip]) -> String {
    if tips.is_empty() {
        return svg.to_string();
    }
    let end = svg.rfind("</svg>").unwrap_or(svg.len());
    let mut out = String::with_capacity(svg.len() + tips.len() * 160);
    out.push_str(&svg[..end]);
    out.push_str("<g class=\"tooltips\">\n");
    for tip in tips {
        let title = format!("<title>{}</title>", super::document::esc(&tip.text));
        let invisible = "fill=\"#000\" fill-opacity=\"0\"";
        match &tip.hit {
            Hit::Rect(l, t, r, b) => out.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {invisible}>{title}</rect>\n",
                l.min(r),
                t.min(b),
                (r - l).abs().max(1),
                (b - t).abs().max(1)
            )),
            Hit::Circle((x, y), r) => out.push_str(&format!(
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"{}\" {invisible}>{title}</circle>\n",
                r.max(&1)
            )),
            Hit::Path(points, width) => {
                let pts: Vec<String> = points.iter().map(|(x, y)| format!("{x},{y}")).collect();
                out.push_str(&format!(
                    "<polyline points=\"{}\" fill=\"none\" stroke=\"#000\" stroke-opacity=\"0\" stroke-width=\"{width}\" stroke-linecap=\"round\" stroke-linejoin=\"round\">{title}</polyline>\n",
                    pts.join(" ")
                ));
            }
        }
    }
    out.push_str("</g>\n");
    out.push_str(&svg[end..]);
    out
}

#[derive(Clone, Copy)]
enum Anchor {
    LeftTop,
    LeftCenter,
    CenterTop,
    Center,
    CenterBottom,
    RightCenter,
}

impl Anchor {
    fn pos(self) -> Pos {
        let (h, v) = match self {
            Anchor::LeftTop => (HPos::Left, VPos::Top),
            Anchor::LeftCenter => (HPos::Left, VPos::Center),
            Anchor::CenterTop => (HPos::Center, VPos::Top),
            Anchor::Center => (HPos::Center, VPos::Center),
            Anchor::CenterBottom => (HPos::Center, VPos::Bottom),
            Anchor::RightCenter => (HPos::Right, VPos::Center),
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
    /// Records a tooltip for a mark (nothing on a bitmap).
    fn tip(&self, hit: Hit, text: impl Into<String>) {
        if !self.bitmap {
            self.tips.borrow_mut().push(Tip {
                hit,
                text: text.into(),
            });
        }
    }

    fn width(&self) -> i32 {
        self.area.dim_in_pixel().0 as i32
    }

    fn height(&self) -> i32 {
        self.area.dim_in_pixel().1 as i32
    }

    /// A row's label, right-aligned just left of the plot at `left`.
    fn row_label(&self, label: &str, left: i32, cy: i32, bold: bool) -> Drawn {
        self.text_styled(
            label,
            (left - 10, cy),
            SMALL_SIZE,
            bold,
            INK,
            Anchor::RightCenter,
            false,
        )
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

    /// A line in a dash pattern: `None` is solid, else pixels on, off, on,
    /// off... repeated along the whole line.
    fn dashed(
        &self,
        points: Vec<(i32, i32)>,
        color: RGBAColor,
        width: u32,
        dash: Option<&[u32]>,
    ) -> Drawn {
        match dash {
            None => self.line(points, color, width),
            Some(pattern) => {
                for piece in dash_pieces(&points, pattern) {
                    self.line(piece, color, width)?;
                }
                Ok(())
            }
        }
    }

    /// A marker of `kind` centred on `at`, `r` pixels across from the
    /// centre, on a white halo that parts it from the lines beneath.
    fn marker(&self, kind: Marker, (x, y): (i32, i32), r: i32, color: RGBColor) -> Drawn {
        let outline = |r: i32| -> Vec<(i32, i32)> {
            match kind {
                Marker::Circle => vec![],
                Marker::Square => vec![
                    (x - r, y - r),
                    (x + r, y - r),
                    (x + r, y + r),
                    (x - r, y + r),
                ],
                Marker::TriangleUp => vec![(x, y - r - 1), (x + r + 1, y + r), (x - r - 1, y + r)],
                Marker::Diamond => vec![
                    (x, y - r - 1),
                    (x + r + 1, y),
                    (x, y + r + 1),
                    (x - r - 1, y),
                ],
                Marker::TriangleDown => {
                    vec![(x - r - 1, y - r), (x + r + 1, y - r), (x, y + r + 1)]
                }
                Marker::Bar => vec![
                    (x - r - 1, y - r / 2 - 1),
                    (x + r + 1, y - r / 2 - 1),
                    (x + r + 1, y + r / 2 + 1),
                    (x - r - 1, y + r / 2 + 1),
                ],
            }
        };
        if let Marker::Circle = kind {
            self.circle((x, y), r + 1, WHITE.to_rgba(), true)?;
            return self.circle((x, y), r, color.to_rgba(), true);
        }
        let halo = outline(r + 2);
        self.polygon(halo, WHITE.to_rgba())?;
        self.polygon(outline(r), color.to_rgba())
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
    Dot,
    Ring,
    /// A line chart's line: its dash pattern, marker and width.
    Series(SeriesStyle),
}

/// The shape of the markers on a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Marker {
    Circle,
    Square,
    TriangleUp,
    Diamond,
    TriangleDown,
    Bar,
}

const MARKERS: [Marker; 6] = [
    Marker::Circle,
    Marker::Square,
    Marker::TriangleUp,
    Marker::Diamond,
    Marker::TriangleDown,
    Marker::Bar,
];

/// Dash patterns in turn: solid, dashed, dotted, dash-dotted.
const DASHES: [Option<&[u32]>; 4] = [None, Some(&[9, 4]), Some(&[2, 3]), Some(&[14, 3, 2, 3])];

/// The pieces a dash `pattern` (pixels on, off, on, off...) leaves of a
/// line, the pattern running on across its vertices.
fn dash_pieces(points: &[(i32, i32)], pattern: &[u32]) -> Vec<Vec<(i32, i32)>> {
    let total: u32 = pattern.iter().sum();
    if points.len() < 2 || pattern.is_empty() || total == 0 {
        return vec![points.to_vec()];
    }
    let mut pieces = Vec::new();
    let mut current: Vec<(i32, i32)> = Vec::new();
    let (mut k, mut left) = (0usize, f64::from(pattern[0]));
    let on = |k: usize| k.is_multiple_of(2);
    let at = |a: (f64, f64)| (a.0.round() as i32, a.1.round() as i32);
    let mut start = (f64::from(points[0].0), f64::from(points[0].1));
    current.push(points[0]);
    for &(x, y) in &points[1..] {
        let end = (f64::from(x), f64::from(y));
        let mut len = (end.0 - start.0).hypot(end.1 - start.1);
        while len > 0.0 {
            if len < left {
                left -= len;
                start = end;
                if on(k) {
                    current.push(at(end));
                }
                len = 0.0;
            } else {
                let t = left / len;
                let mid = (
                    start.0 + (end.0 - start.0) * t,
                    start.1 + (end.1 - start.1) * t,
                );
                if on(k) {
                    current.push(at(mid));
                    pieces.push(std::mem::take(&mut current));
                } else {
                    current = vec![at(mid)];
                }
                len -= left;
                start = mid;
                k = (k + 1) % pattern.len();
                left = f64::from(pattern[k]).max(0.5);
            }
        }
    }
    if on(k) && current.len() >= 2 {
        pieces.push(current);
    }
    pieces.retain(|p| p.len() >= 2);
    pieces
}

/// How a line is told apart from the others where lines cross or lie close
/// together: its colour, dash pattern and marker shape each differ from
/// its neighbours', so any two of the first 84 lines differ in at least one,
/// and the first four in all three.
#[derive(Clone, Copy, Debug, PartialEq)]
struct SeriesStyle {
    color: RGBColor,
    dash: Option<&'static [u32]>,
    marker: Marker,
    width: u32,
}

/// How much of a line a dash pattern covers, in thousandths (None: solid).
fn dash_coverage_permille(dash: Option<&[u32]>) -> Option<u32> {
    dash.map(|p| {
        let on: u32 = p.iter().step_by(2).sum();
        1000 * on / p.iter().sum::<u32>().max(1)
    })
}

/// The `k`th line's style; lines other than a baseline avoid black.
fn series_style(k: usize) -> SeriesStyle {
    SeriesStyle {
        color: SERIES[k % SERIES.len()],
        dash: DASHES[k % DASHES.len()],
        marker: MARKERS[k % MARKERS.len()],
        width: 2,
    }
}

/// The baseline's line: black, solid, thicker than the others.
fn baseline_style() -> SeriesStyle {
    SeriesStyle {
        color: INK,
        dash: None,
        marker: Marker::Circle,
        width: 3,
    }
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

const SWATCH_W: i32 = 30;
/// Longest legend label, in pixels: long names still share a row.
const MAX_LEGEND_LABEL: i32 = 320;
const LEGEND_ROW: i32 = 24;
const SUBTITLE_LINE: i32 = 21;
const NOTE_LINE: i32 = 19;

/// The top of a chart: title, subtitle, legend and notes under the legend;
/// laid out once so the chart's height is known before drawing.
struct Page {
    title: String,
    subtitle: Vec<String>,
    legend: Vec<LegendItem>,
    /// Per legend row: (item, x offset).
    legend_rows: Vec<Vec<(usize, i32)>>,
    /// Lines of the notes under the legend.
    notes: Vec<String>,
    body_top: i32,
}

impl Page {
    fn new(title: &str, subtitle: &str, legend: Vec<LegendItem>) -> Page {
        Page::with_notes(title, subtitle, legend, &[])
    }

    /// A page whose legend is followed by `notes`, each a paragraph of at
    /// most four lines.
    fn with_notes(
        title: &str,
        subtitle: &str,
        mut legend: Vec<LegendItem>,
        notes: &[String],
    ) -> Page {
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
        let notes: Vec<String> = notes.iter().flat_map(|n| wrap_small(n, inner, 4)).collect();
        let mut body_top = 18 + 34 + subtitle.len() as i32 * SUBTITLE_LINE;
        if !rows.is_empty() {
            body_top += 8 + rows.len() as i32 * LEGEND_ROW;
        }
        if !notes.is_empty() {
            body_top += 4 + notes.len() as i32 * NOTE_LINE;
        }
        Page {
            title: fit(title, TITLE_SIZE, true, inner),
            subtitle,
            legend,
            legend_rows: rows,
            notes,
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
                    Swatch::Dot => pen.circle((x + 11, cy), 5, c, true)?,
                    Swatch::Ring => pen.ring((x + 11, cy), 5, c)?,
                    Swatch::Series(style) => {
                        pen.dashed(
                            vec![(x, cy), (x + SWATCH_W - 2, cy)],
                            style.color.to_rgba(),
                            style.width,
                            style.dash,
                        )?;
                        pen.marker(style.marker, (x + SWATCH_W / 2 - 1, cy), 4, style.color)?;
                    }
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
        if !self.notes.is_empty() {
            y += 4;
        }
        for line in &self.notes {
            pen.text(line, (MARGIN, y), SMALL_SIZE, MUTED, Anchor::LeftTop)?;
            y += NOTE_LINE;
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
    Downtime(&'a ChartInput, DowntimeLayout),
    Quantiles(&'a ChartInput, QuantileLayout<'a>),
    Cost(&'a ChartInput, CostLayout),
    Sweep(&'a ChartInput, &'a SweepChartData, SweepLayout),
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
        let tips = {
            let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
            let tips = draw_figure(fig, &root, false)?;
            root.present()?;
            tips
        };
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
            svg: add_tips(&svg, &tips),
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

/// Draws a figure; returns the tooltips of its marks (none on a bitmap).
fn draw_figure<DB: DrawingBackend>(
    fig: &Figure,
    root: &Area<DB>,
    bitmap: bool,
) -> Result<Vec<Tip>, ChartError> {
    root.fill(&WHITE)?;
    let pen = Pen {
        area: root,
        bitmap,
        tips: RefCell::new(Vec::new()),
    };
    fig.page.draw(&pen)?;
    let top = fig.page.body_top;
    draw_body(&pen, top, &fig.body)?;
    Ok(pen.tips.into_inner())
}

fn draw_body<DB: DrawingBackend>(pen: &Pen<DB>, top: i32, body: &Body) -> Drawn {
    match body {
        Body::Availability(input) => draw_availability(pen, top, input),
        Body::Downtime(input, layout) => draw_downtime(pen, top, input, layout),
        Body::Quantiles(input, layout) => draw_quantiles(pen, top, input, layout),
        Body::Cost(input, layout) => draw_cost(pen, input, layout),
        Body::Sweep(input, sweep, layout) => draw_sweep(pen, top, input, sweep, layout),
        Body::Timeline(t) => draw_timeline(pen, top, t),
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

// --- Tooltip text ------------------------------------------------------------

/// The index of the baseline design, if it is among the designs.
fn baseline_index(input: &ChartInput) -> Option<usize> {
    let b = input.baseline.as_deref()?;
    input.designs.iter().position(|d| d.name == b)
}

/// Which rows are the baseline's (drawn in bold).
fn baseline_rows(input: &ChartInput) -> Vec<bool> {
    let b = baseline_index(input);
    (0..input.designs.len()).map(|i| Some(i) == b).collect()
}

/// A subtitle's sentence naming the baseline, whose label is in bold.
fn baseline_note(input: &ChartInput) -> String {
    match baseline_index(input) {
        Some(i) => format!(" The baseline, {}, is in bold.", input.designs[i].name),
        None => String::new(),
    }
}

/// A design's name in tooltips and legends, marked if it is the baseline.
fn design_name(input: &ChartInput, i: usize) -> String {
    let name = &input.designs[i].name;
    if Some(i) == baseline_index(input) {
        format!("{name} (baseline)")
    } else {
        name.clone()
    }
}

/// An interval's bounds, ordered, when it has finite ones.
fn bounds(a: &Interval) -> Option<(f64, f64)> {
    match (a.ci_low, a.ci_high) {
        (Some(l), Some(h)) if l.is_finite() && h.is_finite() => Some((l.min(h), l.max(h))),
        _ => None,
    }
}

/// Nines for a tooltip: "4.72 nines", or "no downtime seen".
fn nines_words(n: Option<f64>) -> String {
    match n {
        Some(v) if v.is_infinite() => "no downtime seen".into(),
        Some(v) => format!("{v:.2} nines"),
        None => "no data".into(),
    }
}

/// An availability and its interval, exactly, for a tooltip:
/// "99.998093% (4.72 nines), 95% CI 99.997990% to 99.998196% (4.70 to 4.74 nines)".
fn availability_text(a: &Interval) -> String {
    if !a.mean.is_finite() {
        return "availability: no data".into();
    }
    let ni = NinesInterval::of(a);
    // One number of digits for the mean and its bounds: enough for the best.
    let digits = ni
        .values()
        .filter(|v| v.is_finite())
        .fold(ni.mean.filter(|v| v.is_finite()), |m, v| {
            Some(m.map_or(v, |m: f64| m.max(v)))
        });
    let mut s = format!(
        "availability {} ({})",
        percent(a.mean, digits),
        nines_words(ni.mean)
    );
    match bounds(a) {
        Some((l, h)) => s.push_str(&format!(
            ", 95% CI {} to {} ({} to {})",
            percent(l, digits),
            percent(h, digits),
            nines_words(ni.low),
            nines_words(ni.high)
        )),
        None => s.push_str(", no confidence interval"),
    }
    s
}

/// Minutes a year and their interval, exactly, for a tooltip:
/// "98.3124 minutes a year (1h 38m), 95% CI 90.1 to 106.5".
fn minutes_text(a: &Interval) -> String {
    let mean = clean(a.mean);
    let mut s = format!(
        "{} minutes a year ({})",
        fmt_num(mean),
        human_duration_minutes(mean)
    );
    if let Some((l, h)) = bounds(a) {
        s.push_str(&format!(", 95% CI {} to {}", fmt_num(l), fmt_num(h)));
    }
    s
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
        "Designs ranked most available first. Dot: mean over replications; whiskers: 95% confidence interval.",
    );
    if capped {
        subtitle.push_str(
            " An arrow at the right edge marks availability 1 (no downtime seen): infinite nines, beyond the axis.",
        );
    }
    subtitle.push_str(&baseline_note(input));
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
            "Nines of {ind} availability per design, most available first: the dot is the mean over replications and the whiskers its 95% confidence interval; each extra nine is ten times less downtime."
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
    let bold = baseline_rows(input);
    let (labels, label_w) = row_labels(designs.iter().map(|d| d.name.as_str()), &bold);
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
        pen.row_label(label, left, cy, bold[i])?;
        pen.text(
            &values[i],
            (right + 14, cy),
            SMALL_SIZE,
            MUTED,
            Anchor::LeftCenter,
        )?;
        let color = ACCENT;
        let mut extent: Option<(i32, i32)> = None;
        let mut widen = |a: i32, b: i32| {
            extent = Some(extent.map_or((a, b), |(l, r)| (l.min(a), r.max(b))));
        };
        if let (Some(lo), Some(hi)) = (ni.low, ni.high) {
            let (lo, _) = axis.place(lo);
            let (hi, hi_capped) = axis.place(hi);
            let (xl, xh) = (x.px(lo), x.px(hi));
            widen(xl, xh + 2);
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
            widen(at.0 - 14, at.0 + 2);
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
        if let Some((l, r)) = extent {
            let half = (row_h / 2).clamp(1, 9);
            pen.tip(
                Hit::Rect(l - 7, cy - half, r + 7, cy + half),
                format!(
                    "{}: {}",
                    design_name(input, i),
                    availability_text(&designs[i].availability)
                ),
            );
        }
    }
    axis_lines(pen, &x, &Scale::new(0.0, 1.0, false, bottom, top))
}

// --- 2. downtime by cause --------------------------------------------------

/// How many times the largest design's downtime may be the smallest's
/// (both above zero) before the downtime chart splits its designs into
/// panels, each on its own linear scale from zero. Past this the best
/// designs' bars would be a few pixels long on the worst one's scale and
/// their causes unreadable; a log scale would keep them readable but make
/// the stacked parts of a bar meaningless, so panels it is.
pub const DOWNTIME_SPLIT_RATIO: f64 = 20.0;
/// Panels of the downtime chart at most.
const MAX_PANELS: usize = 3;
/// A panel's heading, above its rows, when there are several.
const PANEL_HEAD: i32 = 26;
/// Tick labels under a panel that is not the last.
const PANEL_TICKS: i32 = 34;

/// Causes with some downtime in some design, in the given order.
fn causes_present(input: &ChartInput) -> Vec<usize> {
    (0..input.causes.len())
        .filter(|&c| {
            input.designs.iter().any(|d| {
                d.downtime_by_cause
                    .get(c)
                    .is_some_and(|v| clean(v.mean) > 0.0)
            })
        })
        .collect()
}

/// A design's downtime of one cause, minutes a year (0 if unknown).
fn cause_minutes(d: &DesignChartData, c: usize) -> f64 {
    d.downtime_by_cause.get(c).map_or(0.0, |v| clean(v.mean))
}

/// The downtime chart laid out: which designs go in which panel.
struct DowntimeLayout {
    causes: Vec<usize>,
    /// Each panel's designs (indices, in rank order), least downtime first.
    panels: Vec<Vec<usize>>,
    /// Each design's total: the sum of its causes drawn.
    totals: Vec<f64>,
    row_h: i32,
}

/// The designs of each panel of the downtime chart, least downtime first,
/// each in rank order: one panel while the largest total is at most
/// [`DOWNTIME_SPLIT_RATIO`] times the smallest above zero; otherwise the
/// designs are split where the ratio between consecutive totals is the
/// largest, and again, until every panel spans at most that ratio or there
/// are [`MAX_PANELS`]. Designs without downtime join the first panel.
fn downtime_panels(totals: &[f64]) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..totals.len()).collect();
    order.sort_by(|&a, &b| totals[a].total_cmp(&totals[b]).then(a.cmp(&b)));
    let span = |p: &[usize]| -> f64 {
        let positive: Vec<f64> = p.iter().map(|&i| totals[i]).filter(|t| *t > 0.0).collect();
        match (positive.first(), positive.last()) {
            (Some(a), Some(b)) => b / a,
            _ => 1.0,
        }
    };
    let mut panels = vec![order];
    while panels.len() < MAX_PANELS {
        let widest = panels
            .iter()
            .enumerate()
            .map(|(k, p)| (k, span(p)))
            .filter(|(_, r)| *r > DOWNTIME_SPLIT_RATIO)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        let Some((k, _)) = widest else { break };
        let p = &panels[k];
        let mut gap: Option<(usize, f64)> = None;
        for j in 0..p.len().saturating_sub(1) {
            let (a, b) = (totals[p[j]], totals[p[j + 1]]);
            if a > 0.0 && gap.is_none_or(|(_, r)| b / a > r) {
                gap = Some((j, b / a));
            }
        }
        let Some((j, _)) = gap else { break };
        let high = panels[k].split_off(j + 1);
        panels.insert(k + 1, high);
    }
    for p in &mut panels {
        p.sort_unstable();
    }
    panels
}

/// The caption's sentence on split panels, when the chart has them.
fn panels_note(panels: usize) -> String {
    if panels > 1 {
        format!(
            " The designs with the most downtime have more than {} times that of those with the least, so the bars are split into {panels} panels, each on its own linear scale from zero: compare bar lengths within a panel, and totals across panels.",
            DOWNTIME_SPLIT_RATIO
        )
    } else {
        String::new()
    }
}

fn downtime(input: &ChartInput) -> Figure<'_> {
    let ind = &input.indicator;
    let causes = causes_present(input);
    let fills = state_colors(&input.causes);
    let legend = causes
        .iter()
        .map(|&c| item(&input.causes[c], fills[c], Swatch::Block))
        .collect();
    let totals: Vec<f64> = input
        .designs
        .iter()
        .map(|d| causes.iter().map(|&c| cause_minutes(d, c)).sum())
        .collect();
    let panels = downtime_panels(&totals);
    let mut subtitle = String::from(
        "Designs ranked most available first; each bar is split by what the indicator was waiting for. Totals at the right.",
    );
    if panels.len() > 1 {
        subtitle.push_str(&format!(
            " The most downtime is over {DOWNTIME_SPLIT_RATIO} times the least: {} panels, each with its own scale.",
            panels.len()
        ));
    }
    subtitle.push_str(&baseline_note(input));
    let page = Page::new(
        &format!("Downtime of {ind} per year, by cause"),
        &subtitle,
        legend,
    );
    let n = input.designs.len();
    let row_h = row_height(&page, n);
    let extra = if panels.len() > 1 {
        panels.len() as i32 * PANEL_HEAD + (panels.len() as i32 - 1) * PANEL_TICKS
    } else {
        0
    };
    let height = height_for(&page, row_h * n as i32 + extra);
    Figure {
        stem: "downtime_by_cause".into(),
        title: format!("Downtime of {ind} per year, by cause"),
        caption: format!(
            "Minutes of {ind} downtime per year for each design, split by what the indicator was waiting for at each moment (the attribution rule is under Downtime by cause); the figure at the end of each bar is the total.{}",
            panels_note(panels.len())
        ),
        height,
        page,
        body: Body::Downtime(
            input,
            DowntimeLayout {
                causes,
                panels,
                totals,
                row_h,
            },
        ),
    }
}

fn clean(v: f64) -> f64 {
    if v.is_finite() { v.max(0.0) } else { 0.0 }
}

fn draw_downtime<DB: DrawingBackend>(
    pen: &Pen<DB>,
    top: i32,
    input: &ChartInput,
    layout: &DowntimeLayout,
) -> Drawn {
    let designs = &input.designs;
    if designs.is_empty() {
        return pen.empty(top, "No designs to show.");
    }
    let DowntimeLayout {
        causes,
        panels,
        totals,
        row_h,
    } = layout;
    let row_h = (*row_h).max(1);
    let bold = baseline_rows(input);
    let (labels, label_w) = row_labels(designs.iter().map(|d| d.name.as_str()), &bold);
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
    let left = MARGIN + label_w + 14;
    let right = pen.width() - MARGIN - value_w - 18;
    let split = panels.len() > 1;
    let mut y = top;
    for (k, panel) in panels.iter().enumerate() {
        let last = k + 1 == panels.len();
        let max = panel.iter().map(|&i| totals[i]).fold(0.0, f64::max);
        if split {
            let lo = panel
                .iter()
                .map(|&i| totals[i])
                .fold(f64::INFINITY, f64::min);
            let range = if lo < max {
                format!(
                    "{} to {} a year",
                    human_duration_minutes(lo),
                    human_duration_minutes(max)
                )
            } else {
                format!("{} a year", human_duration_minutes(max))
            };
            let head = format!(
                "Panel {} of {}: {} design{}, {range}{}",
                k + 1,
                panels.len(),
                panel.len(),
                if panel.len() == 1 { "" } else { "s" },
                if k > 0 { " (note the scale)" } else { "" }
            );
            pen.text_styled(
                &fit(&head, SMALL_SIZE, true, pen.width() - 2 * MARGIN),
                (MARGIN, y + PANEL_HEAD / 2),
                SMALL_SIZE,
                true,
                INK,
                Anchor::LeftCenter,
                false,
            )?;
            y += PANEL_HEAD;
        }
        let ptop = y;
        let bottom = ptop + row_h * panel.len() as i32;
        let (_, hi, ticks) = nice_range(0.0, if max > 0.0 { max } else { 1.0 }, 7);
        let x = Scale::new(0.0, hi, false, left, right);
        let title = if last {
            format!("downtime of {} per year (minutes)", input.indicator)
        } else {
            String::new()
        };
        x_axis(pen, &x, &ticks, &|v| fmt_num(v), ptop, bottom, &title)?;
        let bar = ((row_h as f64 * 0.62).round() as i32).max(1);
        let fills = state_colors(&input.causes);
        for (r, &i) in panel.iter().enumerate() {
            let d = &designs[i];
            let cy = ptop + row_h * r as i32 + row_h / 2;
            let (bt, bb) = (cy - bar / 2, cy - bar / 2 + bar);
            pen.row_label(&labels[i], left, cy, bold[i])?;
            // The whole bar's tooltip first, so the segments' lie above it.
            let end = if totals[i] > 0.0 {
                x.px(totals[i])
            } else {
                left
            };
            let at = (end.max(left) + 8, cy);
            pen.text(&values[i], at, SMALL_SIZE, MUTED, Anchor::LeftCenter)?;
            let mut by_cause: Vec<String> = causes
                .iter()
                .filter(|&&c| cause_minutes(d, c) > 0.0)
                .map(|&c| format!("{} {}", input.causes[c], fmt_num(cause_minutes(d, c))))
                .collect();
            if by_cause.is_empty() {
                by_cause.push("no downtime".into());
            }
            let w = text_width(&values[i], SMALL_SIZE, false);
            pen.tip(
                Hit::Rect(left, bt, at.0 + w, bb),
                format!(
                    "{}: in all {}; by cause (minutes a year): {}",
                    design_name(input, i),
                    minutes_text(&d.downtime_minutes_per_year),
                    by_cause.join(", ")
                ),
            );
            let mut acc = 0.0;
            for &c in causes {
                let v = cause_minutes(d, c);
                if v <= 0.0 {
                    continue;
                }
                let (a, b) = (x.px(acc), x.px(acc + v));
                acc += v;
                if b > a {
                    let fill = fills[c];
                    pen.rect((a, bt), (b, bb), fill.to_rgba())?;
                    // A hairline between segments keeps neighbours apart.
                    if a > left {
                        pen.line(vec![(a, bt), (a, bb)], WHITE.to_rgba(), 1)?;
                    }
                    let share = if totals[i] > 0.0 {
                        format!(", {:.1}% of its downtime", 100.0 * v / totals[i])
                    } else {
                        String::new()
                    };
                    pen.tip(
                        Hit::Rect(a, bt, b, bb),
                        format!(
                            "{}: {}, {}{share}",
                            design_name(input, i),
                            input.causes[c],
                            minutes_text(&d.downtime_by_cause[c])
                        ),
                    );
                }
            }
        }
        if max <= 0.0 && !split {
            pen.text(
                &format!("No {} downtime in any design.", input.indicator),
                ((left + right) / 2, (ptop + bottom) / 2),
                TEXT_SIZE,
                MUTED,
                Anchor::Center,
            )?;
        }
        axis_lines(pen, &x, &Scale::new(0.0, 1.0, false, bottom, ptop))?;
        y = bottom + if last { 0 } else { PANEL_TICKS };
    }
    Ok(())
}

// --- 3, 4. outage and RPO distributions -------------------------------------

/// Height of the plot of a line chart, in pixels.
const PLOT_H: i32 = 330;
/// Lines closer than this everywhere, in pixels, are drawn once, with a
/// note naming every design the line stands for: two lines 2 or 3 pixels
/// wide this close overlap, and could not be told apart anyway.
const SAME_LINE_PX: f64 = 4.0;

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

/// The workload scopes some design lost data of, in order of first
/// appearance (etcd's events are most of the all-scope chart already).
fn workload_scopes(input: &ChartInput) -> Vec<&str> {
    let mut scopes: Vec<&str> = Vec::new();
    for c in input.designs.iter().flat_map(|d| &d.rpo_by_scope) {
        if c.scope.starts_with("workload/")
            && (!c.quantiles.is_empty() || c.lost_share > 0.0)
            && !scopes.contains(&c.scope.as_str())
        {
            scopes.push(&c.scope);
        }
    }
    scopes
}

/// A design's curve of one scope (`None`: every event).
fn scope_curve<'a>(d: &'a DesignChartData, scope: Option<&str>) -> (&'a [(f64, f64)], f64) {
    let clean = |x: f64| {
        if x.is_finite() {
            x.clamp(0.0, 1.0)
        } else {
            0.0
        }
    };
    let (q, lost) = match scope {
        None => (&d.rpo_minutes_quantiles[..], d.rpo_lost_share),
        Some(s) => d
            .rpo_by_scope
            .iter()
            .find(|c| c.scope == s)
            .map_or((&[][..], 0.0), |c| (&c.quantiles[..], c.lost_share)),
    };
    (q, clean(lost))
}

fn quantile_data(d: &DesignChartData, rpo: bool, scope: Option<&str>) -> Vec<(f64, f64)> {
    distribution(if rpo {
        scope_curve(d, scope).0
    } else {
        &d.outage_minutes_quantiles
    })
}

/// The minutes at probability `p` of a distribution's points, linear
/// between points; None outside them.
fn quantile_at(pts: &[(f64, f64)], p: f64) -> Option<f64> {
    let k = pts.iter().position(|(q, _)| *q >= p - 1e-12)?;
    let (q1, m1) = pts[k];
    if (q1 - p).abs() < 1e-12 {
        return Some(m1);
    }
    let (q0, m0) = *pts.get(k.checked_sub(1)?)?;
    Some(m0 + (m1 - m0) * (p - q0) / (q1 - q0))
}

/// The distance from `p` to the nearest point of the segment `a`–`b`.
fn segment_distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
    (p.0 - cx).hypot(p.1 - cy)
}

/// The distance from `p` to the nearest point of a polyline.
fn polyline_distance(p: (f64, f64), line: &[(f64, f64)]) -> f64 {
    match line {
        [] => f64::INFINITY,
        [a] => (p.0 - a.0).hypot(p.1 - a.1),
        _ => line
            .windows(2)
            .map(|w| segment_distance(p, w[0], w[1]))
            .fold(f64::INFINITY, f64::min),
    }
}

/// Whether two drawn lines lie within `tol` pixels of each other all along
/// (each vertex of either is that close to the other).
fn same_line(a: &[(f64, f64)], b: &[(f64, f64)], tol: f64) -> bool {
    !a.is_empty()
        && !b.is_empty()
        && a.iter().all(|p| polyline_distance(*p, b) <= tol)
        && b.iter().all(|p| polyline_distance(*p, a) <= tol)
}

/// Lines (given in pixels, in order) grouped where they coincide: each
/// group lists its members, the first the one it joined.
fn group_lines(lines: &[(usize, Vec<(f64, f64)>)]) -> Vec<Vec<usize>> {
    // Each group's members and the line of its first.
    type Group<'l> = (Vec<usize>, &'l [(f64, f64)]);
    let mut groups: Vec<Group> = Vec::new();
    for (i, px) in lines {
        match groups
            .iter_mut()
            .find(|(_, first)| same_line(first, px, SAME_LINE_PX))
        {
            Some((members, _)) => members.push(*i),
            None => groups.push((vec![*i], px)),
        }
    }
    groups.into_iter().map(|(m, _)| m).collect()
}

/// One line drawn: the designs it stands for and how it looks.
struct LineGroup {
    /// Design (or series) indices; the first names the line.
    members: Vec<usize>,
    style: SeriesStyle,
    baseline: bool,
}

/// The outage or RPO chart laid out.
struct QuantileLayout<'a> {
    rpo: bool,
    /// The scope of data an RPO chart shows (`None`: every event).
    scope: Option<&'a str>,
    /// The lines drawn, in legend order.
    groups: Vec<LineGroup>,
    /// The x axis's range, minutes, over every design's curve.
    range: (f64, f64),
}

/// The plot's left and right edges in a line chart with a percent axis.
fn quantile_plot_x() -> (i32, i32) {
    (
        MARGIN + 30 + text_width("100%", SMALL_SIZE, false) + 10,
        WIDTH as i32 - MARGIN - 10,
    )
}

fn quantiles<'a>(input: &'a ChartInput, rpo: bool, scope: Option<&'a str>) -> Figure<'a> {
    let ind = &input.indicator;
    let data: Vec<Vec<(f64, f64)>> = input
        .designs
        .iter()
        .map(|d| quantile_data(d, rpo, scope))
        .collect();
    let with: Vec<usize> = (0..data.len()).filter(|&i| !data[i].is_empty()).collect();
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for m in with
        .iter()
        .flat_map(|&i| &data[i])
        .map(|p| p.1)
        .filter(|m| *m > 0.0)
    {
        lo = lo.min(m);
        hi = hi.max(m);
    }
    if lo > hi {
        (lo, hi) = (0.1, 10.0);
    }
    let range = (lo / 1.3, hi * 1.3);
    // Which curves coincide, judged where they are drawn.
    let (left, right) = quantile_plot_x();
    let x = Scale::new(range.0, range.1, true, left, right);
    let y = Scale::new(0.0, 1.0, false, PLOT_H, 0);
    let base = baseline_index(input).filter(|b| with.contains(b));
    let order: Vec<(usize, Vec<(f64, f64)>)> = base
        .into_iter()
        .chain(with.iter().copied().filter(|&i| Some(i) != base))
        .map(|i| {
            (
                i,
                data[i].iter().map(|(p, m)| (x.fx(*m), y.fx(*p))).collect(),
            )
        })
        .collect();
    let mut groups = group_lines(&order);
    // Legend order: by each line's best-ranked design.
    groups.sort_by_key(|g| g.iter().copied().min());
    for g in &mut groups {
        g[1..].sort_unstable();
    }
    let mut shown: Vec<Vec<usize>> = groups.iter().take(MAX_LINES).cloned().collect();
    if let Some(b) = base
        && !shown.iter().any(|g| g.contains(&b))
        && let Some(g) = groups.iter().find(|g| g.contains(&b))
    {
        shown.pop();
        shown.push(g.clone());
    }
    let mut k = 0;
    let groups: Vec<LineGroup> = shown
        .into_iter()
        .map(|members| {
            let baseline = Some(members[0]) == base;
            let style = if baseline {
                baseline_style()
            } else {
                k += 1;
                series_style(k - 1)
            };
            LineGroup {
                members,
                style,
                baseline,
            }
        })
        .collect();
    let legend = groups
        .iter()
        .map(|g| {
            let mut label = design_name(input, g.members[0]);
            if g.members.len() > 1 {
                label.push_str(&format!(" + {} on the same line", g.members.len() - 1));
            }
            item(&label, g.style.color, Swatch::Series(g.style))
        })
        .collect();
    let (title, subtitle) = if rpo {
        (
            match scope {
                Some(s) => format!("Data lost per {s} data-loss event (RPO)"),
                None => "Data lost per data-loss event (RPO)".to_string(),
            },
            "Share of data-loss events (y) losing at most the given minutes of writes (x, log scale). Further left is better. Markers: the median and the 99th percentile."
                .to_string(),
        )
    } else {
        (
            format!("Length of {ind} outages (RTO)"),
            "Share of outages (y) that end within the given minutes (x, log scale); the median is where a line crosses 50%. Further left is better. Markers: the median and the 99th percentile."
                .to_string(),
        )
    };
    let mut notes: Vec<String> = groups
        .iter()
        .filter(|g| g.members.len() > 1)
        .map(|g| {
            let names: Vec<String> = g.members.iter().map(|&i| design_name(input, i)).collect();
            format!(
                "Drawn as one line, no two more than {SAME_LINE_PX} pixels apart: {}.",
                names.join(", ")
            )
        })
        .collect();
    let drawn: Vec<usize> = groups
        .iter()
        .flat_map(|g| g.members.iter().copied())
        .collect();
    let hidden: Vec<String> = with
        .iter()
        .filter(|i| !drawn.contains(i))
        .map(|&i| design_name(input, i))
        .collect();
    if !hidden.is_empty() {
        notes.push(format!(
            "Not drawn, to keep to {MAX_LINES} lines (the highest-ranked and the baseline): {}.",
            hidden.join(", ")
        ));
    }
    // Events with nothing to restore have no RPO: their lines stop short.
    let lost: Vec<String> = (0..input.designs.len())
        .filter(|&i| rpo && scope_curve(&input.designs[i], scope).1 > 0.0)
        .map(|i| {
            let share = scope_curve(&input.designs[i], scope).1;
            format!("{} {:.1}%", design_name(input, i), 100.0 * share)
        })
        .collect();
    if !lost.is_empty() {
        notes.push(format!(
            "Events with nothing to restore lose their data for good and have no RPO; these lines end below 100% by their share: {}.",
            lost.join(", ")
        ));
    }
    let without: Vec<String> = (0..input.designs.len())
        .filter(|i| !with.contains(i))
        .filter(|&i| !rpo || scope_curve(&input.designs[i], scope).1 == 0.0)
        .map(|i| design_name(input, i))
        .collect();
    if !without.is_empty() && !with.is_empty() {
        let what = if rpo { "lost no data" } else { "had no outage" };
        notes.push(format!("Not drawn, {what}: {}.", without.join(", ")));
    }
    let page = Page::with_notes(&title, &subtitle, legend, &notes);
    let height = height_for(&page, PLOT_H);
    let caption = if rpo {
        let which = scope.map_or("each data-loss event".to_string(), |s| {
            format!("each data-loss event of {s}")
        });
        format!(
            "How much data {which} loses (RPO view): for each design, the share of events (y) that lose at most the given minutes of writes (x, log scale); designs whose curves coincide share one line, named under the legend."
        )
    } else {
        format!(
            "How long {ind} outages last (RTO view): for each design, the share of outages (y) that end within the given minutes (x, log scale); read the median where a line crosses 50%. Designs whose curves coincide share one line, named under the legend; the baseline's is black."
        )
    };
    Figure {
        stem: match scope {
            Some(s) => format!("rpo-{}", s.replace('/', "-")),
            None if rpo => "rpo".into(),
            None => "outage_durations".into(),
        },
        title,
        caption,
        height,
        page,
        body: Body::Quantiles(
            input,
            QuantileLayout {
                rpo,
                scope,
                groups,
                range,
            },
        ),
    }
}

/// "50%", "99%", "99.9%".
fn share(p: f64) -> String {
    format!("{}%", fmt_num((p * 1000.0).round() / 10.0))
}

fn draw_quantiles<DB: DrawingBackend>(
    pen: &Pen<DB>,
    top: i32,
    input: &ChartInput,
    layout: &QuantileLayout,
) -> Drawn {
    let rpo = layout.rpo;
    if layout.groups.is_empty() {
        let msg = if input.designs.is_empty() {
            "No designs to show.".to_string()
        } else if rpo {
            "No design lost data.".to_string()
        } else {
            format!("No {} outage was seen in any design.", input.indicator)
        };
        return pen.empty(top, &msg);
    }
    let (left, right) = quantile_plot_x();
    let bottom = pen.height() - X_AXIS_SPACE - 12;
    let x = Scale::new(layout.range.0, layout.range.1, true, left, right);
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
    let (event, ends) = if rpo {
        ("events", "lose at most")
    } else {
        ("outages", "end within")
    };
    let data: Vec<Vec<(f64, f64)>> = layout
        .groups
        .iter()
        .map(|g| quantile_data(&input.designs[g.members[0]], rpo, layout.scope))
        .collect();
    // Lines that lie on one another stay visible: the baseline's, thick
    // and solid, at the bottom, then solid lines, then dashed and dotted
    // ones, whose gaps show what is beneath; the best-ranked above the others.
    let mut order: Vec<usize> = (0..layout.groups.len()).rev().collect();
    order.sort_by_key(|&k| {
        let g = &layout.groups[k];
        (
            !g.baseline,
            dash_coverage_permille(g.style.dash).map(|c| 1000 - c),
        )
    });
    for &k in &order {
        let g = &layout.groups[k];
        let px: Vec<(i32, i32)> = data[k].iter().map(|(p, m)| (x.px(*m), y.px(*p))).collect();
        pen.dashed(
            px.clone(),
            g.style.color.to_rgba(),
            g.style.width,
            g.style.dash,
        )?;
        // Each design on the line, with its own figures.
        let lines: Vec<String> = g
            .members
            .iter()
            .map(|&i| {
                let pts = quantile_data(&input.designs[i], rpo, layout.scope);
                let stat =
                    |p: f64| quantile_at(&pts, p).map_or("-".to_string(), human_duration_minutes);
                format!(
                    "{}: median {}, 90% of {event} {ends} {}, 99% {ends} {}",
                    design_name(input, i),
                    stat(0.5),
                    stat(0.9),
                    stat(0.99)
                )
            })
            .collect();
        pen.tip(Hit::Path(px, 9), lines.join("\n"));
    }
    // Markers above the lines, the baseline's above all.
    let mut marked = order.clone();
    marked.sort_by_key(|&k| layout.groups[k].baseline);
    for &k in &marked {
        let g = &layout.groups[k];
        let pts = &data[k];
        // Every point of a short curve, else the median and the 99th percentile.
        let marks: Vec<(f64, f64)> = if pts.len() <= 12 {
            pts.clone()
        } else {
            [0.5, 0.99]
                .iter()
                .filter_map(|&p| quantile_at(pts, p).map(|m| (p, m)))
                .collect()
        };
        for (p, m) in marks {
            let at = (x.px(m), y.px(p));
            pen.marker(g.style.marker, at, 4, g.style.color)?;
            pen.tip(
                Hit::Circle(at, 7),
                format!(
                    "{}: {} of {event} {ends} {} ({} minutes)",
                    design_name(input, g.members[0]),
                    share(p),
                    human_duration_minutes(m),
                    fmt_num(m)
                ),
            );
        }
    }
    axis_lines(pen, &x, &y)
}

// --- 5. cost ----------------------------------------------------------------

/// Height of the cost chart's plot, in pixels.
const COST_PLOT_H: i32 = 360;
/// Points closer than this in both directions, in pixels, are one place:
/// their names are written together.
const SAME_PLACE_PX: i32 = 6;
/// Names written together beside one place at most; more are numbered.
const MAX_NAMED_TOGETHER: usize = 4;
/// A label's line height, and the clear space kept around every label.
const LABEL_LINE: i32 = 16;
const LABEL_GAP: i32 = 3;
/// How far from its point a label may go, in pixels, in this order; past
/// the first it hangs on a leader line.
const LABEL_RADII: [i32; 11] = [9, 18, 30, 46, 66, 90, 120, 160, 210, 260, 320];
/// A line of the key of numbered points.
const KEY_LINE: i32 = 19;

/// A box in pixels: (left, top, right, bottom).
type Bounds = (i32, i32, i32, i32);
/// A leader line: from near its point to its label.
type Leader = ((i32, i32), (i32, i32));

fn overlaps(a: Bounds, b: Bounds) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

fn pad(b: Bounds, by: i32) -> Bounds {
    (b.0 - by, b.1 - by, b.2 + by, b.3 + by)
}

/// Whether the segment `a`–`b` passes through the box (Liang–Barsky).
fn segment_hits(a: (i32, i32), b: (i32, i32), bx: Bounds) -> bool {
    let (x0, y0) = (f64::from(a.0), f64::from(a.1));
    let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, x0 - f64::from(bx.0)),
        (dx, f64::from(bx.2) - x0),
        (-dy, y0 - f64::from(bx.1)),
        (dy, f64::from(bx.3) - y0),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
            if t0 > t1 {
                return false;
            }
        }
    }
    true
}

/// One design drawn on the cost chart.
struct CostPoint {
    design: usize,
    cost: f64,
    ni: NinesInterval,
    frontier: bool,
    at: (i32, i32),
    capped: bool,
    /// The whisker's ends (pixel rows), when there is an interval.
    whisker: Option<(i32, i32)>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Align {
    Left,
    Center,
    Right,
}

/// A label placed on the cost chart: its lines, its box, and the leader
/// line from its point when it could not sit next to it.
#[derive(Debug)]
struct PlacedLabel {
    lines: Vec<(String, RGBColor)>,
    bounds: Bounds,
    align: Align,
    leader: Option<Leader>,
}

/// What a label keeps clear of.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Obstacle {
    /// A point (or its ∞ mark) of the given place.
    Point(usize),
    /// A whisker or the frontier's line.
    Line,
    /// A label placed before.
    Label,
}

/// Greedy placement of labels: each takes the first spot, nearest first,
/// that stays inside the plot and clear of the points, lines, labels and
/// leader lines placed before it.
struct Labeller {
    /// Things to keep clear of, and what each is.
    taken: Vec<(Bounds, Obstacle)>,
    leaders: Vec<Leader>,
    bounds: Bounds,
}

impl Labeller {
    /// Where a box of `w` by `h` pixels goes for the point `at` of place
    /// `owner`, at most the `radii`th of [`LABEL_RADII`] away, if anywhere.
    fn place(
        &mut self,
        owner: usize,
        at: (i32, i32),
        w: i32,
        h: i32,
        radii: usize,
    ) -> Option<(Bounds, Align, Option<Leader>)> {
        // Right, left, up, down, then the diagonals; finer further out.
        let coarse = [0.0, 180.0, 270.0, 90.0, 315.0, 45.0, 225.0, 135.0];
        let fine = [337.5, 22.5, 202.5, 157.5, 292.5, 247.5, 67.5, 112.5];
        for (k, &r) in LABEL_RADII.iter().take(radii).enumerate() {
            let angles = coarse.iter().chain(if k > 0 { &fine[..] } else { &[] });
            for &deg in angles {
                let (s, c) = f64::to_radians(deg).sin_cos();
                let q = (
                    at.0 + (c * f64::from(r)).round() as i32,
                    at.1 + (s * f64::from(r)).round() as i32,
                );
                let (l, align) = if c > 0.38 {
                    (q.0, Align::Left)
                } else if c < -0.38 {
                    (q.0 - w, Align::Right)
                } else {
                    (q.0 - w / 2, Align::Center)
                };
                let t = if s > 0.38 {
                    q.1
                } else if s < -0.38 {
                    q.1 - h
                } else {
                    q.1 - h / 2
                };
                let b = (l, t, l + w, t + h);
                let leader = (k > 0).then(|| {
                    let end = (at.0.clamp(b.0, b.2), at.1.clamp(b.1, b.3));
                    let (dx, dy) = (f64::from(end.0 - at.0), f64::from(end.1 - at.1));
                    let len = dx.hypot(dy).max(1.0);
                    let start = (
                        at.0 + (dx / len * 8.0).round() as i32,
                        at.1 + (dy / len * 8.0).round() as i32,
                    );
                    (start, end)
                });
                if self.clear(owner, b, leader) {
                    self.taken.push((pad(b, LABEL_GAP), Obstacle::Label));
                    if let Some(line) = leader {
                        self.leaders.push(line);
                    }
                    return Some((b, align, leader));
                }
            }
        }
        None
    }

    fn clear(&self, owner: usize, b: Bounds, leader: Option<Leader>) -> bool {
        let (l, t, r, bt) = self.bounds;
        if b.0 < l || b.1 < t || b.2 > r || b.3 > bt {
            return false;
        }
        if self.taken.iter().any(|(o, _)| overlaps(b, *o)) {
            return false;
        }
        if self
            .leaders
            .iter()
            .any(|&(p, q)| segment_hits(p, q, pad(b, 1)))
        {
            return false;
        }
        match leader {
            None => true,
            // A leader leaves its own point and may cross a thin line (a
            // whisker, the frontier), never another point or label.
            Some((p, q)) => self.taken.iter().all(|(o, what)| match what {
                Obstacle::Point(c) if *c == owner => true,
                Obstacle::Line => true,
                _ => !segment_hits(p, q, *o),
            }),
        }
    }
}

/// The cost chart laid out: scales, points, frontier, labels and the key of
/// numbered points.
struct CostLayout {
    x: Scale,
    y: Scale,
    /// The cost axis's ticks.
    ticks: Vec<f64>,
    top: i32,
    bottom: i32,
    points: Vec<CostPoint>,
    /// Points at one place (indices into `points`).
    places: Vec<Vec<usize>>,
    stairs: Vec<(i32, i32)>,
    labels: Vec<PlacedLabel>,
    /// Designs labelled by their rank, listed under the chart: "3  name".
    key: Vec<String>,
    /// The key's column width and rows.
    key_column: i32,
    key_rows: usize,
}

/// Which places may be named rather than numbered.
#[derive(Clone, Copy, PartialEq)]
enum Naming {
    All,
    Frontier,
    None,
}

/// Labels for the cost chart's places, and the designs numbered.
#[derive(Default)]
struct Labelling {
    labels: Vec<PlacedLabel>,
    /// Designs shown by their rank, in the key under the chart.
    key_designs: Vec<usize>,
    /// Numbered designs whose number found no room.
    unmarked: Vec<usize>,
}

/// What labelling the cost chart works from.
struct Plan<'a> {
    input: &'a ChartInput,
    points: &'a [CostPoint],
    places: &'a [Vec<usize>],
    obstacles: Vec<(Bounds, Obstacle)>,
    bounds: Bounds,
}

/// How far a name may hang from its point (an index into [`LABEL_RADII`]):
/// further than a rank number, which is short and read with the key.
const NAME_RADII: usize = 6;

impl Plan<'_> {
    fn label(&self, naming: Naming) -> Labelling {
        let (points, places) = (self.points, self.places);
        let mut labeller = Labeller {
            taken: self.obstacles.clone(),
            leaders: Vec::new(),
            bounds: self.bounds,
        };
        let frontier = |c: usize| places[c].iter().any(|&k| points[k].frontier);
        // Frontier places first, then the others in rank order.
        let mut order: Vec<usize> = (0..places.len()).collect();
        let best = |c: usize| places[c].iter().map(|&k| points[k].design).min();
        order.sort_by_key(|&c| (!frontier(c), best(c)));
        let colour = |p: &CostPoint| if p.frontier { INK } else { MUTED };
        let centre = |c: usize| {
            let pl = &places[c];
            let n = pl.len().max(1) as i32;
            let sx: i32 = pl.iter().map(|&k| points[k].at.0).sum();
            let sy: i32 = pl.iter().map(|&k| points[k].at.1).sum();
            (sx / n, sy / n)
        };
        let place_lines =
            |labeller: &mut Labeller, c: usize, lines: Vec<(String, RGBColor)>, radii: usize| {
                let w = lines
                    .iter()
                    .map(|(s, _)| text_width(s, SMALL_SIZE, false))
                    .max()
                    .unwrap_or(0)
                    + 2;
                let h = LABEL_LINE * lines.len() as i32;
                let placed = labeller.place(c, centre(c), w, h, radii);
                placed.map(|(bounds, align, leader)| PlacedLabel {
                    lines,
                    bounds,
                    align,
                    leader,
                })
            };
        let mut out = Labelling::default();
        let mut numbered: Vec<usize> = Vec::new();
        for &c in &order {
            let mut members = places[c].clone();
            members.sort_by_key(|&k| points[k].design);
            let named = match naming {
                Naming::All => true,
                Naming::Frontier => frontier(c),
                Naming::None => false,
            };
            if !named || members.len() > MAX_NAMED_TOGETHER {
                numbered.push(c);
                continue;
            }
            let lines = members
                .iter()
                .map(|&k| {
                    let p = &points[k];
                    (
                        fit(&self.input.designs[p.design].name, SMALL_SIZE, false, 200),
                        colour(p),
                    )
                })
                .collect();
            match place_lines(&mut labeller, c, lines, NAME_RADII) {
                Some(l) => out.labels.push(l),
                None => numbered.push(c),
            }
        }
        // Places not named take their designs' ranks, listed under the chart.
        for &c in &numbered {
            let mut ranks: Vec<usize> = places[c].iter().map(|&k| points[k].design).collect();
            ranks.sort_unstable();
            out.key_designs.extend(&ranks);
            let text: Vec<String> = ranks.iter().map(|r| (r + 1).to_string()).collect();
            let per_line = text.len().div_ceil(text.len().div_ceil(5));
            let lines: Vec<(String, RGBColor)> = text
                .chunks(per_line.max(1))
                .map(|ch| (ch.join(", "), if frontier(c) { INK } else { MUTED }))
                .collect();
            match place_lines(&mut labeller, c, lines, LABEL_RADII.len()) {
                Some(l) => out.labels.push(l),
                None => out.unmarked.extend(&ranks),
            }
        }
        out
    }
}

fn cost_layout(input: &ChartInput, top: i32) -> CostLayout {
    let mut points: Vec<CostPoint> = input
        .designs
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            let cost = d.monthly_cost.filter(|c| c.is_finite())?;
            let ni = NinesInterval::of(&d.availability);
            ni.mean?;
            Some(CostPoint {
                design: i,
                cost,
                ni,
                frontier: d.on_frontier,
                at: (0, 0),
                capped: false,
                whisker: None,
            })
        })
        .collect();
    let axis = NinesAxis::of(points.iter().flat_map(|p| p.ni.values()));
    let (cmin, cmax) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |a, p| {
            (a.0.min(p.cost), a.1.max(p.cost))
        });
    let (cmin, cmax) = if cmin <= cmax {
        (cmin, cmax)
    } else {
        (0.0, 1.0)
    };
    let pad_c = if cmax > cmin {
        (cmax - cmin) * 0.08
    } else {
        (cmax.abs() * 0.1).max(1.0)
    };
    let (clo, chi, ticks) = nice_range(
        if cmin >= 0.0 {
            (cmin - pad_c).max(0.0)
        } else {
            cmin - pad_c
        },
        cmax + pad_c,
        7,
    );
    let left = MARGIN + 30 + text_width("10.0", SMALL_SIZE, false) + 10;
    let right = WIDTH as i32 - MARGIN - 10;
    let bottom = top + COST_PLOT_H;
    let x = Scale::new(clo, chi, false, left, right);
    // Headroom above the cap for the "∞" of designs drawn there.
    let headroom = (axis.cap - axis.low) * 0.07;
    let y = Scale::new(axis.low, axis.cap + headroom, false, bottom, top);
    for p in &mut points {
        let (v, capped) = axis.place(p.ni.mean.unwrap_or(0.0));
        p.at = (x.px(p.cost), y.px(v));
        p.capped = capped;
        if let (Some(lo), Some(hi)) = (p.ni.low, p.ni.high) {
            p.whisker = Some((y.px(axis.place(lo).0), y.px(axis.place(hi).0)));
        }
    }
    // Frontier: best availability for each budget, a staircase.
    let mut frontier: Vec<&CostPoint> = points.iter().filter(|p| p.frontier).collect();
    frontier.sort_by(|a, b| a.cost.total_cmp(&b.cost));
    let mut stairs: Vec<(i32, i32)> = Vec::new();
    for p in &frontier {
        if let Some(&(_, prev_y)) = stairs.last() {
            stairs.push((p.at.0, prev_y));
        }
        stairs.push(p.at);
    }
    // Places: points drawn on top of each other.
    let mut places: Vec<Vec<usize>> = Vec::new();
    for (k, p) in points.iter().enumerate() {
        let near = |q: &CostPoint| {
            (q.at.0 - p.at.0).abs() <= SAME_PLACE_PX && (q.at.1 - p.at.1).abs() <= SAME_PLACE_PX
        };
        match places
            .iter_mut()
            .find(|pl| pl.iter().any(|&j| near(&points[j])))
        {
            Some(pl) => pl.push(k),
            None => places.push(vec![k]),
        }
    }
    // Labels keep clear of the points, the whiskers and the staircase.
    let mut obstacles: Vec<(Bounds, Obstacle)> = Vec::new();
    for (c, place) in places.iter().enumerate() {
        for &k in place {
            let p = &points[k];
            let (px, py) = p.at;
            obstacles.push(((px - 7, py - 7, px + 7, py + 7), Obstacle::Point(c)));
            if p.capped {
                obstacles.push(((px - 6, py - 26, px + 6, py), Obstacle::Point(c)));
            }
            if let Some((yl, yh)) = p.whisker {
                obstacles.push(((px - 2, yl.min(yh), px + 2, yl.max(yh)), Obstacle::Line));
            }
        }
    }
    for w in stairs.windows(2) {
        let (a, b) = (w[0], w[1]);
        obstacles.push((
            (
                a.0.min(b.0) - 2,
                a.1.min(b.1) - 2,
                a.0.max(b.0) + 2,
                a.1.max(b.1) + 2,
            ),
            Obstacle::Line,
        ));
    }
    let plan = Plan {
        input,
        points: &points,
        places: &places,
        obstacles,
        bounds: (left + 2, top, right, bottom - 2),
    };
    // Names where they fit, numbers where they do not; if some number
    // finds no room either, names for the frontier only; then numbers
    // throughout. The first plan that marks every point wins.
    let mut best: Option<Labelling> = None;
    for naming in [Naming::All, Naming::Frontier, Naming::None] {
        let l = plan.label(naming);
        let done = l.unmarked.is_empty();
        if best
            .as_ref()
            .is_none_or(|b| l.unmarked.len() <= b.unmarked.len())
        {
            best = Some(l);
        }
        if done {
            break;
        }
    }
    let Labelling {
        labels,
        mut key_designs,
        unmarked,
    } = best.unwrap_or_default();
    key_designs.sort_unstable();
    let key: Vec<String> = key_designs
        .iter()
        .map(|&i| {
            let note = if unmarked.contains(&i) {
                " (no room to mark it)"
            } else {
                ""
            };
            format!(
                "{}  {}{note}",
                i + 1,
                fit(&design_name(input, i), SMALL_SIZE, false, 260)
            )
        })
        .collect();
    let inner = WIDTH as i32 - 2 * MARGIN;
    // At least two columns, three where the names are short.
    let key_column = key
        .iter()
        .map(|k| text_width(k, SMALL_SIZE, false) + 28)
        .max()
        .unwrap_or(0)
        .min(inner / 2);
    let key: Vec<String> = key
        .iter()
        .map(|k| fit(k, SMALL_SIZE, false, key_column - 24))
        .collect();
    let columns = if key_column > 0 {
        (inner / key_column).max(1) as usize
    } else {
        1
    };
    let key_rows = key.len().div_ceil(columns);
    CostLayout {
        x,
        y,
        ticks,
        top,
        bottom,
        points,
        places,
        stairs,
        labels,
        key,
        key_column,
        key_rows,
    }
}

/// Pixels under the cost chart's axis title for its key.
fn key_height(layout: &CostLayout) -> i32 {
    if layout.key.is_empty() {
        0
    } else {
        LEGEND_ROW + layout.key_rows as i32 * KEY_LINE + 4
    }
}

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
            ACCENT,
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
    let layout = cost_layout(input, page.body_top);
    let height =
        (layout.bottom + X_AXIS_SPACE + key_height(&layout) + 12).clamp(MIN_HEIGHT, MAX_HEIGHT);
    Figure {
        stem: "cost".into(),
        title: format!("Monthly cost against availability of {ind}"),
        caption: format!(
            "Monthly host cost (x) against nines of {ind} availability (y), one point per design; highlighted designs are on the frontier (no other design is both cheaper and more available), and the line joins them as the best availability each budget buys.{}",
            if layout.key.is_empty() {
                ""
            } else {
                " Where names would collide, points carry their design's rank, listed under the chart."
            }
        ),
        height,
        page,
        body: Body::Cost(input, layout),
    }
}

/// A cost point's tooltip line: its name, cost and availability.
fn cost_text(input: &ChartInput, p: &CostPoint) -> String {
    let cur = currency(input);
    let cur = if cur.is_empty() {
        String::new()
    } else {
        format!(" {cur}")
    };
    format!(
        "{}: {}{cur} a month, {}{}",
        design_name(input, p.design),
        fmt_num(p.cost),
        availability_text(&input.designs[p.design].availability),
        if p.frontier { "; on the frontier" } else { "" }
    )
}

fn draw_cost<DB: DrawingBackend>(pen: &Pen<DB>, input: &ChartInput, layout: &CostLayout) -> Drawn {
    let CostLayout {
        x,
        y,
        ticks,
        top,
        bottom,
        points,
        ..
    } = layout;
    let (top, bottom) = (*top, *bottom);
    if points.is_empty() {
        return pen.empty(top, "No design has both a cost and an availability.");
    }
    let cur = currency(input);
    let x_title = if cur.is_empty() {
        "monthly cost of the design's hosts".to_string()
    } else {
        format!("monthly cost of the design's hosts ({cur})")
    };
    x_axis(pen, x, ticks, &|v| fmt_num(v), top, bottom, &x_title)?;
    y_axis(
        pen,
        y,
        &y.ticks(6),
        &|v| fmt_num(v),
        x.p0,
        x.p1,
        &nines_title_short(&input.indicator),
        MARGIN + 4,
    )?;
    // Whiskers first, under everything.
    for p in points {
        if let Some((yl, yh)) = p.whisker {
            let c = if p.frontier { ACCENT } else { NEUTRAL };
            pen.line(vec![(p.at.0, yl), (p.at.0, yh)], c.mix(0.55), 2)?;
        }
    }
    pen.line(layout.stairs.clone(), ACCENT.mix(0.8), 2)?;
    for l in &layout.labels {
        if let Some((a, b)) = l.leader {
            pen.line(vec![a, b], AXIS.to_rgba(), 1)?;
        }
    }
    for p in points.iter().filter(|p| !p.frontier) {
        pen.ring(p.at, 5, NEUTRAL.to_rgba())?;
        if p.capped {
            infinity(pen, (p.at.0, p.at.1 - 8), MUTED)?;
        }
    }
    for p in points.iter().filter(|p| p.frontier) {
        pen.circle(p.at, 6, ACCENT.to_rgba(), true)?;
        if p.capped {
            infinity(pen, (p.at.0, p.at.1 - 9), INK)?;
        }
    }
    for l in &layout.labels {
        let (left, t, right, _) = l.bounds;
        for (k, (text, colour)) in l.lines.iter().enumerate() {
            let cy = t + LABEL_LINE * k as i32 + LABEL_LINE / 2;
            let (at, anchor) = match l.align {
                Align::Left => ((left, cy), Anchor::LeftCenter),
                Align::Right => ((right, cy), Anchor::RightCenter),
                Align::Center => (((left + right) / 2, cy), Anchor::Center),
            };
            pen.text(text, at, SMALL_SIZE, *colour, anchor)?;
        }
    }
    // Tooltips: a point's names every design at its place.
    for place in &layout.places {
        let text: Vec<String> = place
            .iter()
            .map(|&k| cost_text(input, &points[k]))
            .collect();
        for &k in place {
            let at = points[k].at;
            pen.tip(Hit::Circle(at, 8), text.join("\n"));
        }
    }
    axis_lines(pen, x, y)?;
    if !layout.key.is_empty() {
        let y0 = bottom + X_AXIS_SPACE + 4;
        pen.text_styled(
            "Numbered points (design ranks):",
            (MARGIN, y0 + LEGEND_ROW / 2 - 2),
            SMALL_SIZE,
            true,
            INK,
            Anchor::LeftCenter,
            false,
        )?;
        let rows = layout.key_rows.max(1);
        for (n, line) in layout.key.iter().enumerate() {
            let (col, row) = ((n / rows) as i32, (n % rows) as i32);
            pen.text(
                line,
                (
                    MARGIN + col * layout.key_column,
                    y0 + LEGEND_ROW + row * KEY_LINE + KEY_LINE / 2,
                ),
                SMALL_SIZE,
                INK,
                Anchor::LeftCenter,
            )?;
        }
    }
    Ok(())
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

/// A sweep chart laid out: its scales and the lines drawn.
struct SweepLayout {
    /// The series with points, grouped where their lines coincide; the
    /// members are indices into the sweep's series.
    groups: Vec<LineGroup>,
    /// Each series' points (empty for series without any).
    points: Vec<Vec<(f64, NinesInterval)>>,
    x_range: (f64, f64),
    log: bool,
    axis: NinesAxis,
}

/// The plot's left and right edges in a sweep chart.
fn sweep_plot_x() -> (i32, i32) {
    (
        MARGIN + 30 + text_width("10.0", SMALL_SIZE, false) + 10,
        WIDTH as i32 - MARGIN - 14,
    )
}

fn sweep_layout(sweep: &SweepChartData) -> SweepLayout {
    let points: Vec<Vec<(f64, NinesInterval)>> = sweep.series.iter().map(sweep_points).collect();
    let xs = points.iter().flatten().map(|p| p.0);
    let (xmin, xmax) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |a, v| {
        (a.0.min(v), a.1.max(v))
    });
    let (xmin, xmax) = if xmin <= xmax {
        (xmin, xmax)
    } else {
        (0.0, 1.0)
    };
    let log = sweep.log_x && xmin > 0.0;
    let axis = NinesAxis::of(points.iter().flatten().flat_map(|p| p.1.values()));
    let x_range = if log {
        (xmin / 1.15, xmax * 1.15)
    } else {
        let pad = if xmax > xmin {
            (xmax - xmin) * 0.04
        } else {
            (xmax.abs() * 0.1).max(1.0)
        };
        (xmin - pad, xmax + pad)
    };
    let (left, right) = sweep_plot_x();
    let x = Scale::new(x_range.0, x_range.1, log, left, right);
    let headroom = (axis.cap - axis.low) * 0.07;
    let y = Scale::new(axis.low, axis.cap + headroom, false, PLOT_H, 0);
    let lines: Vec<(usize, Vec<(f64, f64)>)> = points
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.is_empty())
        .map(|(k, p)| {
            let px = p
                .iter()
                .map(|(xv, n)| (x.fx(*xv), y.fx(axis.place(n.mean.unwrap_or(0.0)).0)))
                .collect();
            (k, px)
        })
        .collect();
    let groups = group_lines(&lines)
        .into_iter()
        .enumerate()
        .map(|(k, members)| LineGroup {
            members,
            style: series_style(k),
            baseline: false,
        })
        .collect();
    SweepLayout {
        groups,
        points,
        x_range,
        log,
        axis,
    }
}

fn sweep_figure<'a>(input: &'a ChartInput, n: usize, sweep: &'a SweepChartData) -> Figure<'a> {
    let ind = &input.indicator;
    let layout = sweep_layout(sweep);
    let label = |k: usize| sweep.series[k].label.clone();
    let groups = &layout.groups;
    let legend = if groups.len() > 1
        || groups
            .first()
            .is_some_and(|g| g.members.len() > 1 || !label(g.members[0]).is_empty())
    {
        groups
            .iter()
            .map(|g| {
                let mut text = label(g.members[0]);
                if g.members.len() > 1 {
                    text.push_str(&format!(" + {} on the same line", g.members.len() - 1));
                }
                item(&text, g.style.color, Swatch::Series(g.style))
            })
            .collect()
    } else {
        vec![]
    };
    let notes: Vec<String> = groups
        .iter()
        .filter(|g| g.members.len() > 1)
        .map(|g| {
            let names: Vec<String> = g.members.iter().map(|&k| label(k)).collect();
            format!(
                "Drawn as one line, no two more than {SAME_LINE_PX} pixels apart: {}.",
                names.join("; ")
            )
        })
        .collect();
    let title = format!("Availability of {ind} against {}", sweep.key);
    let capped = layout
        .points
        .iter()
        .flatten()
        .any(|(_, n)| n.mean == Some(f64::INFINITY));
    let page = Page::with_notes(
        &title,
        &format!(
            "Higher is better. One line per combination of the study's other settings; the band is the 95% confidence interval.{}",
            infinity_note(capped)
        ),
        legend,
        &notes,
    );
    let height = height_for(&page, PLOT_H);
    Figure {
        stem: format!("sweep-{n}"),
        title,
        caption: format!(
            "Nines of {ind} availability as {} varies, one line per combination of the study's other settings, with the 95% confidence interval shaded; combinations whose lines coincide share one, named under the legend.",
            sweep.key
        ),
        height,
        page,
        body: Body::Sweep(input, sweep, layout),
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

/// The availability of a sweep's series at `x`, as the input gave it.
fn sweep_value(s: &SweepSeries, x: f64) -> Option<&Interval> {
    s.points.iter().find(|(v, _)| *v == x).map(|(_, a)| a)
}

fn draw_sweep<DB: DrawingBackend>(
    pen: &Pen<DB>,
    top: i32,
    input: &ChartInput,
    sweep: &SweepChartData,
    layout: &SweepLayout,
) -> Drawn {
    if layout.groups.is_empty() {
        return pen.empty(top, "This sweep has no points.");
    }
    let axis = layout.axis;
    let (left, right) = sweep_plot_x();
    let bottom = pen.height() - X_AXIS_SPACE - 12;
    let x = Scale::new(layout.x_range.0, layout.x_range.1, layout.log, left, right);
    let headroom = (axis.cap - axis.low) * 0.07;
    let y = Scale::new(axis.low, axis.cap + headroom, false, bottom, top);
    let mut x_title = sweep.x_label.clone();
    if layout.log {
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
    let pts_of = |g: &LineGroup| &layout.points[g.members[0]];
    for g in &layout.groups {
        let pts = pts_of(g);
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
            pen.polygon(band, g.style.color.mix(0.16))?;
        }
    }
    // Solid lines beneath, dashed and dotted ones above: their gaps show
    // what lies under them.
    let mut order: Vec<&LineGroup> = layout.groups.iter().rev().collect();
    order.sort_by_key(|g| dash_coverage_permille(g.style.dash).map(|c| 1000 - c));
    for g in order {
        let pts = pts_of(g);
        let c = g.style.color;
        let px: Vec<(i32, i32)> = pts
            .iter()
            .map(|(xv, n)| (x.px(*xv), ypx(n.mean.unwrap_or(0.0))))
            .collect();
        pen.dashed(px.clone(), c.to_rgba(), g.style.width, g.style.dash)?;
        for ((xv, n), at) in pts.iter().zip(&px) {
            if let (1, Some(lo), Some(hi)) = (pts.len(), n.low, n.high) {
                let xp = x.px(*xv);
                pen.line(vec![(xp, ypx(lo)), (xp, ypx(hi))], c.to_rgba(), 2)?;
            }
            pen.marker(g.style.marker, *at, 4, c)?;
            if n.mean.is_some_and(|m| m >= axis.cap) {
                infinity(pen, (at.0, at.1 - 7), INK)?;
            }
        }
    }
    // Tooltips: each point names every series drawn there.
    for g in &layout.groups {
        let pts = pts_of(g);
        for (xv, n) in pts {
            let at = (x.px(*xv), ypx(n.mean.unwrap_or(0.0)));
            let lines: Vec<String> = g
                .members
                .iter()
                .filter_map(|&k| {
                    let s = &sweep.series[k];
                    let a = sweep_value(s, *xv)?;
                    let who = if s.label.is_empty() {
                        String::new()
                    } else {
                        format!("{}, ", s.label)
                    };
                    Some(format!(
                        "{who}{} = {}: {}",
                        sweep.key,
                        fmt_num(*xv),
                        availability_text(a)
                    ))
                })
                .collect();
            pen.tip(Hit::Circle(at, 7), lines.join("\n"));
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
    let states = states(t);
    let legend = states
        .iter()
        .zip(state_colors(&states))
        .map(|(s, c)| item(s, c, Swatch::Block))
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
    let shown = states(t);
    let colors = state_colors(&shown);
    let color_of = |state: &str| {
        shown
            .iter()
            .position(|s| s == state)
            .map_or(NEUTRAL, |k| colors[k])
    };
    // Rows thinner than a line of text label every few rows.
    let label_every = 17u32.div_ceil(row_h.max(1) as u32) as usize;
    for (i, row) in t.rows.iter().enumerate() {
        let y0 = row_top(i);
        let cy = y0 + row_h / 2;
        if i % label_every == 0 {
            pen.row_label(&labels[i], left, cy, row.indicator)?;
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
                color_of(&s.state).to_rgba(),
            )?;
            let since = |v: f64| human_duration_minutes((v - t.start) / 60.0);
            pen.tip(
                Hit::Rect(a, y0 + pad, b, y0 + row_h - pad),
                format!(
                    "{}: {} from {} to {} into the window ({})",
                    row.label,
                    s.state,
                    if from <= t.start {
                        "0s".to_string()
                    } else {
                        since(from)
                    },
                    since(to),
                    human_duration_minutes((to - from) / 60.0)
                ),
            );
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
            downtime_minutes_per_year: iv(total, total * 0.1),
            downtime_by_cause: shares
                .iter()
                .map(|s| iv(s * total, s * total * 0.1))
                .collect(),
            outage_minutes_quantiles: if total > 0.0 {
                q(20.0 * cost / 1000.0)
            } else {
                vec![]
            },
            rpo_minutes_quantiles: q(0.5 + cost / 2000.0),
            rpo_lost_share: 0.0,
            rpo_by_scope: Vec::new(),
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
                row(
                    "controllers",
                    false,
                    up_down(21.0, 23.0, "apiserver crashed"),
                ),
                row("etcd", true, up_down(30.0, 62.0, "down")),
                row("api", true, up_down(20.0, 62.0, "down")),
                row("control_plane", true, up_down(20.0, 63.0, "down")),
                row(
                    "workload/web",
                    true,
                    up_down(25.0, 26.0, "eviction or scheduling"),
                ),
            ],
        };
        ChartInput {
            indicator: "api".into(),
            causes: CAUSES.iter().map(|c| c.to_string()).collect(),
            designs,
            sweeps: vec![sweep],
            timeline: Some(timeline),
            baseline: Some("stacked-3".into()),
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

    /// The bodies of an SVG's elements named `tag`, trimmed.
    fn bodies(svg: &str, tag: &str) -> Vec<String> {
        svg.split(&format!("<{tag}"))
            .skip(1)
            .filter_map(|t| {
                let body = t.split_once('>')?.1;
                Some(body.split(&format!("</{tag}>")).next()?.trim().to_string())
            })
            .collect()
    }

    /// The text drawn on a chart.
    fn texts(svg: &str) -> Vec<String> {
        bodies(svg, "text")
    }

    /// The tooltips of a chart, unescaped.
    fn titles(svg: &str) -> Vec<String> {
        bodies(svg, "title")
            .into_iter()
            .map(|t| {
                t.replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&")
            })
            .collect()
    }

    fn distinct_colours(rgb: &[u8]) -> usize {
        let mut set = std::collections::HashSet::new();
        for px in rgb.chunks_exact(3) {
            set.insert((px[0], px[1], px[2]));
        }
        set.len()
    }

    /// A workload scope some design lost data of gets its own RPO chart,
    /// after the all-event one; a design that lost data for good has a
    /// line ending below 100% by that share, said in a note.
    #[test]
    fn each_workload_scope_has_an_rpo_chart_and_losses_for_good_are_noted() {
        let mut input = sample();
        let curve: Vec<(f64, f64)> = (1..=10).map(|k| (k as f64 / 10.0, k as f64)).collect();
        input.designs[1].rpo_lost_share = 0.25;
        input.designs[1].rpo_minutes_quantiles =
            curve.iter().map(|&(p, m)| (p * 0.75, m)).collect();
        for d in &mut input.designs {
            d.rpo_by_scope = vec![
                ScopeCurve {
                    scope: "etcd".into(),
                    quantiles: curve.clone(),
                    lost_share: 0.0,
                },
                ScopeCurve {
                    scope: "workload/db".into(),
                    quantiles: curve.clone(),
                    lost_share: 0.0,
                },
            ];
        }
        input.designs[2].rpo_by_scope[1].lost_share = 0.5;
        let charts = render_all(&input).expect("charts");
        let stems: Vec<&str> = charts.iter().map(|c| c.file_stem.as_str()).collect();
        assert_eq!(stems[3..5], ["rpo", "rpo-workload-db"]);
        let all = &charts[3];
        let db = &charts[4];
        assert_eq!(db.title, "Data lost per workload/db data-loss event (RPO)");
        let note = |svg: &str| {
            texts(svg)
                .join(" ")
                .contains("these lines end below 100% by their share")
        };
        assert!(note(&all.svg) && note(&db.svg));
        let shown = |svg: &str, i: usize, share: &str| {
            texts(svg)
                .join(" ")
                .contains(&format!("{} {share}", design_name(&input, i)))
        };
        assert!(shown(&all.svg, 1, "25.0%"), "{:?}", texts(&all.svg));
        assert!(shown(&db.svg, 2, "50.0%"), "{:?}", texts(&db.svg));
        assert!(!shown(&db.svg, 1, "25.0%"));
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
        let drawn = texts(&long.svg).join("\n");
        assert!(!drawn.contains("on and on to test truncation"));
        assert!(drawn.contains('…'));
        // The tooltip has the whole name.
        assert!(
            titles(&long.svg)
                .iter()
                .any(|t| t.contains("on and on to test truncation"))
        );
    }

    /// Inputs that have broken chart code before: nothing, extremes, junk.
    fn edge_inputs() -> Vec<(&'static str, ChartInput)> {
        let empty = ChartInput {
            indicator: "api".into(),
            causes: CAUSES.iter().map(|c| c.to_string()).collect(),
            designs: vec![],
            sweeps: vec![],
            timeline: None,
            baseline: None,
        };
        let mut perfect = design("perfect", iv(1.0, 0.0), 1000.0, true);
        perfect.availability = Interval {
            mean: 1.0,
            ci_low: None,
            ci_high: None,
        };
        perfect.downtime_by_cause = vec![Interval::default(); 9];
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
                d.downtime_by_cause = vec![Interval::default(); 9];
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
            downtime_minutes_per_year: iv(f64::NAN, 1.0),
            downtime_by_cause: [f64::NAN, -3.0, f64::INFINITY]
                .iter()
                .map(|&m| iv(m, 1.0))
                .collect(),
            outage_minutes_quantiles: vec![(0.5, 0.0), (f64::NAN, 1.0), (2.0, -1.0)],
            rpo_minutes_quantiles: vec![(1.0, 0.0)],
            rpo_lost_share: f64::NAN,
            rpo_by_scope: vec![ScopeCurve {
                scope: "workload/x".into(),
                quantiles: vec![(f64::NAN, -1.0)],
                lost_share: 2.0,
            }],
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
            baseline: Some("no such design".into()),
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
            baseline: e.baseline.clone(),
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

    /// CIELAB of an sRGB colour (D65).
    fn lab(c: RGBColor) -> (f64, f64, f64) {
        let lin = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        let (r, g, b) = (lin(c.0), lin(c.1), lin(c.2));
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        let f = |t: f64| {
            if t > 0.008856 {
                t.cbrt()
            } else {
                7.787 * t + 16.0 / 116.0
            }
        };
        let (fx, fy, fz) = (f(x), f(y), f(z));
        (116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz))
    }

    fn contrast(a: RGBColor, b: RGBColor) -> f64 {
        let (p, q) = (lab(a), lab(b));
        ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2) + (p.2 - q.2).powi(2)).sqrt()
    }

    /// Every state the simulator can put on a timeline: the string literals
    /// of `trace_state` (read from its source, so a new state fails here
    /// until it has a colour) and every cause an indicator waits for.
    fn model_states() -> Vec<String> {
        let src = include_str!("../model/cluster/trace.rs");
        let body = &src[src.find("fn trace_state").expect("trace_state")..];
        let mut states: Vec<String> = body
            .split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        states.push(crate::model::UP.to_string());
        states.extend(
            crate::model::Cause::EVERY_KIND
                .iter()
                .map(|c| c.label().to_string()),
        );
        states.sort();
        states.dedup();
        states
    }

    #[test]
    fn timeline_states_have_distinct_colours() {
        let states = model_states();
        assert!(states.len() >= 20, "{states:?}");
        for s in &states {
            assert!(
                known_state_color(s).is_some(),
                "the timeline state {s:?} has no colour of its own"
            );
        }
        // Distinct states, distinct colours, told apart at a glance.
        for (i, a) in STATE_COLORS.iter().enumerate() {
            for b in &STATE_COLORS[i + 1..] {
                let d = contrast(a.1, b.1);
                assert!(
                    d >= MIN_STATE_CONTRAST,
                    "{} and {} are too alike (ΔE {d:.1})",
                    a.0,
                    b.0
                );
            }
        }
        // Case and surrounding spaces do not matter.
        assert_eq!(known_state_color("Up"), known_state_color(" up "));
        assert_eq!(
            known_state_color("waiting for API"),
            known_state_color("waiting for api")
        );
        // States the table does not know get colours of their own, unlike
        // each other's and the known states' in the same chart.
        let mut shown: Vec<String> = states.clone();
        shown.extend((0..30).map(|k| format!("state {k}")));
        let colors = state_colors(&shown);
        for i in 0..colors.len() {
            for j in i + 1..colors.len() {
                assert_ne!(colors[i], colors[j], "{} and {}", shown[i], shown[j]);
            }
        }
        // The same input, the same colours.
        assert_eq!(state_colors(&shown), colors);
    }

    /// 22 designs as a real study has them: many at one cost, several at
    /// exactly the same cost and availability, names alike and long.
    fn crowded() -> ChartInput {
        let mut designs = Vec::new();
        for k in 0..22usize {
            let (name, cost, a) = match k {
                // Five at one place: the same hosts, the same availability.
                0..=4 => (format!("stacked-3-repair-{k}"), 420.0, 0.999_98),
                // Three more at another.
                5..=7 => (format!("external-{k}x3-cloud"), 650.0, 0.999_98),
                // Two pairs of twins.
                8 | 9 => (format!("external-5x3-pair-{k}"), 810.0, 0.999_8),
                10 | 11 => (format!("stacked-7-pair-{k}"), 950.0, 0.999_8),
                _ => (
                    format!("external-{}x{}-cloud-variant", k % 5 + 3, k % 3 + 3),
                    300.0 + 37.0 * k as f64,
                    0.999_9 + 0.000_002 * (k % 4) as f64,
                ),
            };
            designs.push(design(
                &name,
                iv(a, (1.0 - a) * 0.05),
                cost,
                k == 0 || k == 12,
            ));
        }
        ChartInput {
            indicator: "api".into(),
            causes: CAUSES.iter().map(|c| c.to_string()).collect(),
            designs,
            sweeps: vec![],
            timeline: None,
            baseline: Some("stacked-3-repair-2".into()),
        }
    }

    #[test]
    fn cost_labels_never_overlap_and_every_point_is_named() {
        for (name, input) in [("crowded", crowded()), ("sample", sample())]
            .into_iter()
            .chain(edge_inputs())
        {
            if input.designs.is_empty() {
                continue;
            }
            let layout = cost_layout(&input, 120);
            let labels = &layout.labels;
            for (i, a) in labels.iter().enumerate() {
                for b in &labels[i + 1..] {
                    assert!(
                        !overlaps(pad(a.bounds, 1), b.bounds),
                        "{name}: labels {:?} and {:?} overlap",
                        a.lines,
                        b.lines
                    );
                }
                // Clear of every point, inside the plot.
                for p in &layout.points {
                    let dot = (p.at.0 - 6, p.at.1 - 6, p.at.0 + 6, p.at.1 + 6);
                    assert!(
                        !overlaps(a.bounds, dot),
                        "{name}: {:?} covers a point",
                        a.lines
                    );
                }
                assert!(
                    a.bounds.1 >= layout.top && a.bounds.3 <= layout.bottom,
                    "{name}"
                );
                assert!(
                    a.bounds.0 >= layout.x.p0 && a.bounds.2 <= layout.x.p1,
                    "{name}"
                );
            }
            // Every design with a point is named beside it or numbered
            // beside it and in the key.
            let written: Vec<&str> = labels
                .iter()
                .flat_map(|l| l.lines.iter().map(|(s, _)| s.as_str()))
                .collect();
            for p in &layout.points {
                let d = &input.designs[p.design].name;
                let rank = (p.design + 1).to_string();
                let named = written.iter().any(|w| *w == fit(d, SMALL_SIZE, false, 200));
                let numbered = written.iter().any(|w| w.split(", ").any(|n| n == rank))
                    && layout
                        .key
                        .iter()
                        .any(|k| k.starts_with(&format!("{rank}  ")));
                assert!(
                    named || numbered,
                    "{name}: {d} is neither named nor numbered"
                );
            }
        }
        // The crowded study: its five twins are too many to name together,
        // so they are numbered, and the key lists them; the rest fit.
        let input = crowded();
        let layout = cost_layout(&input, 120);
        assert_eq!(layout.places.iter().filter(|p| p.len() > 1).count(), 4);
        for k in 1..=5 {
            assert!(
                layout
                    .key
                    .iter()
                    .any(|l| l.starts_with(&format!("{k}  stacked-3-repair-")))
            );
        }
        let chart = render(&cost(&input)).expect("cost chart");
        assert!(has_text(&chart.svg, "Numbered points (design ranks):"));
    }

    #[test]
    fn every_mark_has_a_tooltip_with_its_value_and_interval() {
        let input = sample();
        let charts = render_all(&input).expect("charts");
        let find = |stem: &str| {
            let c = charts.iter().find(|c| c.file_stem == stem).expect(stem);
            titles(&c.svg)
        };
        // Tooltips are invisible shapes drawn last; the PNG has none to show.
        for c in &charts {
            assert!(c.svg.contains("<g class=\"tooltips\">"), "{}", c.file_stem);
            let (w, h, _) = decode(&c.png);
            assert_eq!((w, h), svg_size(&c.svg));
        }
        // Availability: one per design, with the mean and the interval.
        let t = find("availability");
        assert_eq!(t.len(), input.designs.len());
        let stacked3 = t
            .iter()
            .find(|t| t.starts_with("stacked-3 (baseline): "))
            .expect("baseline row");
        assert!(
            stacked3.contains("99.9970") && stacked3.contains("95% CI 99.9960"),
            "{stacked3}"
        );
        assert!(stacked3.contains("4.52 nines"), "{stacked3}");
        // Downtime: one per drawn segment and one per bar, each with an interval.
        let t = find("downtime_by_cause");
        let segments = input
            .designs
            .iter()
            .map(|d| d.downtime_by_cause.iter().filter(|c| c.mean > 0.0).count())
            .sum::<usize>();
        assert!(
            t.len() >= input.designs.len() + segments - 2,
            "{} tooltips",
            t.len()
        );
        let host = t
            .iter()
            .find(|t| t.starts_with("single-control-plane: host failure, "))
            .expect("a segment's tooltip");
        assert!(
            host.contains("minutes a year") && host.contains("95% CI"),
            "{host}"
        );
        // Outage lengths: a line per curve, a marker for its median and p99.
        let t = find("outage_durations");
        assert!(
            t.iter()
                .any(|t| t.starts_with("stacked-3 (baseline)") && t.contains("median"))
        );
        assert!(t.iter().any(|t| t.contains("50% of outages end within")));
        // Cost: one per design, cost and availability with its interval.
        let t = find("cost");
        assert_eq!(t.len(), input.designs.len());
        assert!(t.iter().any(|t| {
            t.starts_with("stacked-3 (baseline): 2100 USD a month, availability 99.997")
                && t.contains("95% CI")
        }));
        // Sweep: one per point.
        let t = find("sweep-1");
        assert_eq!(t.len(), 10);
        assert!(
            t.iter()
                .all(|t| t.contains("control_plane.node.repair.median = ") && t.contains("95% CI"))
        );
        // Timeline: one per span in the window, with its state and times.
        let t = find("timeline");
        let spans = input
            .timeline
            .as_ref()
            .unwrap()
            .rows
            .iter()
            .flat_map(|r| &r.spans)
            .filter(|s| s.to > s.from)
            .count();
        assert_eq!(t.len(), spans);
        assert!(
            t.contains(
                &"host cp-1: failed from 20m 00s to 1h 02m into the window (42m 00s)".to_string()
            ),
            "{t:?}"
        );
        // Names that are not XML stay well-formed.
        let mut odd = sample();
        odd.designs[1].name = "a <b> & \"c\"".into();
        for c in render_all(&odd).expect("charts") {
            assert!(!c.svg.contains("a <b>"), "{}", c.file_stem);
        }
    }

    #[test]
    fn coinciding_curves_are_drawn_once_and_named_and_the_baseline_always() {
        // Sixteen designs: the first six share one outage curve, the
        // baseline ranks last.
        let mut input = sample();
        input.designs = (0..16)
            .map(|k| {
                let mut d = design(
                    &format!("d{k}"),
                    iv(0.9999, 0.00001),
                    1000.0 + 10.0 * k as f64,
                    false,
                );
                let scale = if k < 6 { 1.0 } else { 1.0 + k as f64 };
                d.outage_minutes_quantiles = (1..=99)
                    .map(|q| {
                        let p = q as f64 / 100.0;
                        (p, scale * (1.0 + 10.0 * p))
                    })
                    .collect();
                d
            })
            .collect();
        // A nudge under a pixel keeps d5 on the shared line.
        input.designs[5].outage_minutes_quantiles[40].1 *= 1.001;
        input.baseline = Some("d15".into());
        let fig = quantiles(&input, false, None);
        let Body::Quantiles(_, layout) = &fig.body else {
            panic!("not a quantile chart")
        };
        assert_eq!(layout.groups[0].members, [0, 1, 2, 3, 4, 5]);
        assert!(layout.groups.len() <= MAX_LINES);
        let base = layout
            .groups
            .iter()
            .find(|g| g.baseline)
            .expect("baseline drawn");
        assert_eq!(base.members, [15]);
        assert_eq!(base.style, baseline_style());
        // Every line looks different: colour, dash or marker.
        for (i, a) in layout.groups.iter().enumerate() {
            for b in &layout.groups[i + 1..] {
                assert_ne!(
                    (a.style.color, a.style.dash, a.style.marker),
                    (b.style.color, b.style.dash, b.style.marker)
                );
            }
        }
        let chart = render(&fig).expect("chart");
        assert!(has_text(&chart.svg, "d0 + 5 on the same line"), "legend");
        assert!(has_text(&chart.svg, "d15 (baseline)"), "legend");
        assert!(has_text(
            &chart.svg,
            "Drawn as one line, no two more than 4 pixels apart: d0, d1, d2, d3, d4, d5."
        ));
        // Eleven lines for eight: the worst-ranked but the baseline are
        // named as not drawn.
        assert!(has_text(
            &chart.svg,
            "Not drawn, to keep to 8 lines (the highest-ranked and the baseline): d12, d13, d14."
        ));
        // Curves a few pixels apart stay separate lines.
        input.designs[5].outage_minutes_quantiles[40].1 *= 1.2;
        let fig = quantiles(&input, false, None);
        let Body::Quantiles(_, layout) = &fig.body else {
            panic!("not a quantile chart")
        };
        assert_eq!(layout.groups[0].members, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn downtime_far_apart_is_split_into_panels() {
        // Within the ratio: one panel.
        assert_eq!(downtime_panels(&[7.0, 8.0, 100.0]), vec![vec![0, 1, 2]]);
        // The control-plane study: twelve designs near 7 minutes, two
        // around 2 and 4 hours.
        let mut totals = vec![6.9; 12];
        totals[11] = 8.5;
        totals.extend([136.0, 263.0]);
        assert_eq!(
            downtime_panels(&totals),
            vec![(0..12).collect::<Vec<_>>(), vec![12, 13]]
        );
        // Zero goes with the least; rank order within a panel.
        assert_eq!(
            downtime_panels(&[500.0, 0.0, 3.0, 2.0]),
            vec![vec![1, 2, 3], vec![0]]
        );
        // At most three panels, split at the widest gaps.
        assert_eq!(
            downtime_panels(&[1.0, 30.0, 900.0, 27_000.0]),
            vec![vec![0], vec![1], vec![2, 3]]
        );
        // Drawn: a heading per panel, the caption says why.
        let mut input = sample();
        input.designs[5].downtime_by_cause[0] = iv(50_000.0, 10.0);
        let chart = render(&downtime(&input)).expect("chart");
        assert!(chart.svg.contains("Panel 1 of 2"), "headings");
        assert!(
            chart
                .caption
                .contains("each on its own linear scale from zero")
        );
        let mut close = sample();
        close
            .designs
            .retain(|d| d.availability.mean > 0.9995 && d.availability.mean < 1.0);
        let one = render(&downtime(&close)).expect("chart");
        assert!(!one.svg.contains("Panel 1"), "one panel needs no heading");
    }

    #[test]
    fn dashes_run_on_across_vertices() {
        // 100 pixels in two legs, 9 on and 4 off: 8 dashes, the last cut short.
        let pieces = dash_pieces(&[(0, 0), (50, 0), (100, 0)], &[9, 4]);
        assert_eq!(pieces.len(), 8);
        assert_eq!(pieces[0], [(0, 0), (9, 0)]);
        // The fourth dash, 39 to 48, and the fifth, 52 to 61, straddle no
        // vertex; the dash over the vertex at 50 keeps its corner.
        assert_eq!(pieces[3], [(39, 0), (48, 0)]);
        let corner = dash_pieces(&[(0, 0), (5, 0), (5, 5)], &[20, 1]);
        assert_eq!(corner, [vec![(0, 0), (5, 0), (5, 5)]]);
        // Dash-dot: on 14, off 3, on 2, off 3.
        let dd = dash_pieces(&[(0, 0), (44, 0)], &[14, 3, 2, 3]);
        assert_eq!(
            dd,
            [
                vec![(0, 0), (14, 0)],
                vec![(17, 0), (19, 0)],
                vec![(22, 0), (36, 0)],
                vec![(39, 0), (41, 0)]
            ]
        );
        // Degenerate input draws what it can.
        assert_eq!(dash_pieces(&[(3, 3)], &[2, 2]), [vec![(3, 3)]]);
        assert!(dash_pieces(&[(0, 0), (0, 0)], &[2, 2]).is_empty());
    }

    #[test]
    fn charts_are_byte_identical_across_runs() {
        for input in [sample(), crowded()] {
            let a = render_all(&input).expect("charts");
            let b = render_all(&input).expect("charts");
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(x.svg, y.svg, "{}", x.file_stem);
                assert_eq!(x.png, y.png, "{}", x.file_stem);
            }
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
