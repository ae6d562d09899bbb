//! The two exposition formats and the choice between them from an HTTP
//! `Accept` header.

/// An exposition format.
///
/// ```
/// use totem_std::Format;
/// assert_eq!(Format::from_accept(None), Format::Prometheus);
/// // What Prometheus itself sends: it prefers OpenMetrics.
/// let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
/// assert_eq!(Format::from_accept(Some(prometheus)), Format::OpenMetrics);
/// assert_eq!(Format::OpenMetrics.content_type(), "application/openmetrics-text; version=1.0.0; charset=utf-8");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// The Prometheus text format, version 0.0.4: what every scraper and
    /// `promtool check metrics` read. The default.
    #[default]
    Prometheus,
    /// OpenMetrics 1.0 text: `# UNIT` lines, `info` types, a closing `# EOF`.
    OpenMetrics,
}

const OPENMETRICS: &str = "application/openmetrics-text";
const TEXT: &str = "text/plain";

impl Format {
    /// The `Content-Type` of a response in this format.
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    /// The format to answer an `Accept` header with: OpenMetrics only when
    /// the header names `application/openmetrics-text` with a non-zero
    /// quality no lower than that of `text/plain`; the Prometheus text
    /// format otherwise (no header, wildcards, anything unparsable).
    ///
    /// ```
    /// use totem_std::Format;
    /// assert_eq!(Format::from_accept(Some("*/*")), Format::Prometheus);
    /// assert_eq!(Format::from_accept(Some("application/openmetrics-text; q=0")), Format::Prometheus);
    /// assert_eq!(Format::from_accept(Some("text/plain, application/openmetrics-text;q=0.5")), Format::Prometheus);
    /// ```
    pub fn from_accept(accept: Option<&str>) -> Format {
        let Some(accept) = accept else {
            return Format::Prometheus;
        };
        let mut openmetrics: f32 = 0.0;
        let mut text: f32 = 0.0;
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim();
            let quality = parts
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .map_or(Some(1.0), |(_, v)| v.trim().parse::<f32>().ok())
                // An unreadable quality counts as a refusal.
                .unwrap_or(0.0);
            if media.eq_ignore_ascii_case(OPENMETRICS) {
                openmetrics = openmetrics.max(quality);
            } else if media.eq_ignore_ascii_case(TEXT) {
                text = text.max(quality);
            }
        }
        if openmetrics > 0.0 && openmetrics >= text {
            Format::OpenMetrics
        } else {
            Format::Prometheus
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Format::{OpenMetrics, Prometheus};
    use super::*;

    #[test]
    fn openmetrics_only_when_asked_for_and_preferred() {
        for (accept, expected) in [
            (None, Prometheus),
            (Some(""), Prometheus),
            (Some("*/*"), Prometheus),
            (Some("text/plain"), Prometheus),
            (Some("application/json"), Prometheus),
            (Some("application/openmetrics-text"), OpenMetrics),
            (
                Some("Application/OpenMetrics-Text; version=1.0.0"),
                OpenMetrics,
            ),
            (Some("application/openmetrics-text;q=0"), Prometheus),
            (
                Some("application/openmetrics-text;q=0.0, text/plain"),
                Prometheus,
            ),
            (Some("application/openmetrics-text;q=abc"), Prometheus),
            (
                Some("text/plain;q=0.9, application/openmetrics-text;q=0.5"),
                Prometheus,
            ),
            (
                Some("text/plain;q=0.5, application/openmetrics-text;q=0.9"),
                OpenMetrics,
            ),
            (
                Some("text/plain, application/openmetrics-text"),
                OpenMetrics,
            ),
            (
                Some(" application/openmetrics-text ; q = 0.3 ,*/*"),
                OpenMetrics,
            ),
            (Some(",,;;=,"), Prometheus),
        ] {
            assert_eq!(Format::from_accept(accept), expected, "{accept:?}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(
            Prometheus.content_type(),
            "text/plain; version=0.0.4; charset=utf-8"
        );
        assert_eq!(
            OpenMetrics.content_type(),
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        );
    }
}
