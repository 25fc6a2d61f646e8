//! `--output csv`: one row per indicator, every statistic a column.

use super::{Exporter, Results};

pub struct CsvExporter;

const HEADER: [&str; 22] = [
    "scenario",
    "indicator",
    "replications",
    "horizon_years",
    "seed",
    "availability",
    "availability_ci_low",
    "availability_ci_high",
    "nines",
    "downtime_minutes_per_year",
    "downtime_minutes_per_year_ci_low",
    "downtime_minutes_per_year_ci_high",
    "outages_per_year",
    "outages_per_year_ci_low",
    "outages_per_year_ci_high",
    "outage_count",
    "outage_censored",
    "outage_minutes_mean",
    "outage_minutes_p50",
    "outage_minutes_p90",
    "outage_minutes_p99",
    "outage_minutes_max",
];

fn opt(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

impl Exporter for CsvExporter {
    fn write(&self, results: &Results, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let mut w = ::csv::Writer::from_writer(out);
        w.write_record(HEADER)?;
        for (name, r) in &results.indicators.0 {
            let o = &r.outage_minutes;
            w.write_record([
                results.scenario.name.clone(),
                name.clone(),
                results.replications.to_string(),
                results.horizon_years.to_string(),
                results.seed.to_string(),
                r.availability.mean.to_string(),
                opt(r.availability.ci_low),
                opt(r.availability.ci_high),
                opt(r.nines),
                r.downtime_minutes_per_year.mean.to_string(),
                opt(r.downtime_minutes_per_year.ci_low),
                opt(r.downtime_minutes_per_year.ci_high),
                r.outages_per_year.mean.to_string(),
                opt(r.outages_per_year.ci_low),
                opt(r.outages_per_year.ci_high),
                o.count.to_string(),
                o.censored.to_string(),
                opt(o.mean),
                opt(o.p50),
                opt(o.p90),
                opt(o.p99),
                opt(o.max),
            ])?;
        }
        w.flush()
    }
}
