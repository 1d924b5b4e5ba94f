#include "collector/reports/svg_chart.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "collector/reports/report_format.h"

namespace scout::collector::reports {
namespace {

constexpr const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                    "#9467bd", "#8c564b", "#e377c2", "#17becf"};
constexpr int kLeft = 70, kRight = 16, kTop = 44, kBottom = 34;

// 1, 2, 2.5 or 5 times a power of ten: at least `raw`.
double NiceStep(double raw) {
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * mag >= raw) return m * mag;
  }
  return 10 * mag;
}

std::string Num(double v) { return absl::StrFormat("%.1f", v); }

// Axis labels are shorter than table values: "50%" rather than "50.00%".
std::string TickLabel(Unit unit, double v) {
  if (unit == Unit::kRatio) return absl::StrFormat("%g%%", std::round(v * 1000) / 10);
  return FormatValue(unit, v);
}

}  // namespace

std::string HtmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

// Where data lands in the drawing: the plot area and the y scale.
struct Plot {
  const Chart& chart;
  double plot_w, plot_h;
  double step, y_max;

  double X(int64_t t) const {
    return kLeft + plot_w * static_cast<double>(t - chart.start_ms) /
                       static_cast<double>(chart.end_ms - chart.start_ms);
  }
  double Y(double v) const { return kTop + plot_h * (1 - v / y_max); }
};

// y from 0 to a nice maximum over the data (and the threshold when it is
// near the data, so the KPI line is visible without flattening it).
Plot MakePlot(const Chart& chart, double plot_w, double plot_h) {
  double max_v = 0;
  for (const ChartLine& l : chart.lines) {
    for (const Point& p : l.points) max_v = std::max(max_v, p.value);
  }
  if (HasData(chart.threshold) && chart.threshold <= 2 * std::max(max_v, 1e-12)) {
    max_v = std::max(max_v, chart.threshold);
  }
  if (max_v <= 0) max_v = 1;  // all zero: still a readable axis
  const double step = NiceStep(max_v / 4);
  return Plot{chart, plot_w, plot_h, step, std::ceil(max_v / step - 1e-9) * step};
}

void AppendGridAndAxes(const Plot& plot, std::string& svg) {
  const Chart& chart = plot.chart;
  const double plot_w = plot.plot_w, plot_h = plot.plot_h;
  // Grid and y ticks.
  for (double v = 0; v <= plot.y_max + plot.step / 2; v += plot.step) {
    const std::string y = Num(plot.Y(v));
    absl::StrAppend(&svg, "<line class=\"grid\" x1=\"", kLeft, "\" x2=\"", Num(kLeft + plot_w),
                    "\" y1=\"", y, "\" y2=\"", y, "\"/><text class=\"tick\" x=\"", kLeft - 6,
                    "\" y=\"", y, "\" dy=\"4\" text-anchor=\"end\">",
                    HtmlEscape(TickLabel(chart.unit, v)), "</text>");
  }
  // x ticks.
  for (const auto& [t, label] : chart.x_ticks) {
    if (t < chart.start_ms || t > chart.end_ms) continue;
    const std::string x = Num(plot.X(t));
    absl::StrAppend(&svg, "<line class=\"axis\" x1=\"", x, "\" x2=\"", x, "\" y1=\"",
                    Num(kTop + plot_h), "\" y2=\"", Num(kTop + plot_h + 4),
                    "\"/><text class=\"tick\" x=\"", x, "\" y=\"", Num(kTop + plot_h + 18),
                    "\" text-anchor=\"middle\">", HtmlEscape(label), "</text>");
  }
  // Axes.
  absl::StrAppend(&svg, "<line class=\"axis\" x1=\"", kLeft, "\" x2=\"", kLeft, "\" y1=\"", kTop,
                  "\" y2=\"", Num(kTop + plot_h), "\"/><line class=\"axis\" x1=\"", kLeft,
                  "\" x2=\"", Num(kLeft + plot_w), "\" y1=\"", Num(kTop + plot_h), "\" y2=\"",
                  Num(kTop + plot_h), "\"/>");
  // Threshold.
  if (HasData(chart.threshold) && chart.threshold <= plot.y_max) {
    const std::string y = Num(plot.Y(chart.threshold));
    absl::StrAppend(&svg, "<line class=\"threshold\" x1=\"", kLeft, "\" x2=\"",
                    Num(kLeft + plot_w), "\" y1=\"", y, "\" y2=\"", y, "\"/><text class=\"tick\" x=\"",
                    Num(kLeft + plot_w - 4), "\" y=\"", y, "\" dy=\"-4\" text-anchor=\"end\">",
                    HtmlEscape(chart.threshold_label), "</text>");
  }
}

// One data line, its points when there are few, and its legend entry.
void AppendLine(const Plot& plot, size_t i, int& legend_x, std::string& svg) {
  const Chart& chart = plot.chart;
  const ChartLine& line = chart.lines[i];
  const char* color = kPalette[i % (sizeof(kPalette) / sizeof(kPalette[0]))];
  std::string d;
  const Point* prev = nullptr;
  for (const Point& p : line.points) {
    const bool joined = prev != nullptr &&
                        (chart.max_gap_ms <= 0 || p.timestamp_ms - prev->timestamp_ms <= chart.max_gap_ms);
    absl::StrAppend(&d, d.empty() ? "" : " ", joined ? "L" : "M", Num(plot.X(p.timestamp_ms)), " ",
                    Num(plot.Y(p.value)));
    prev = &p;
  }
  if (!d.empty()) {
    absl::StrAppend(&svg, "<path class=\"line\" stroke=\"", color, "\" d=\"", d, "\"/>");
  }
  // Isolated points (no neighbour within the gap) would be invisible as
  // a path: mark every point when there are few.
  if (line.points.size() <= 48) {
    for (const Point& p : line.points) {
      absl::StrAppend(&svg, "<circle r=\"2\" fill=\"", color, "\" cx=\"", Num(plot.X(p.timestamp_ms)),
                      "\" cy=\"", Num(plot.Y(p.value)), "\"/>");
    }
  }
  absl::StrAppend(&svg, "<rect x=\"", legend_x, "\" y=\"26\" width=\"10\" height=\"10\" fill=\"",
                  color, "\"/><text class=\"legend\" x=\"", legend_x + 14, "\" y=\"35\">",
                  HtmlEscape(line.name), "</text>");
  legend_x += 24 + 7 * static_cast<int>(line.name.size());
}

}  // namespace

std::string RenderSvgChart(const Chart& chart, SvgSize size) {
  const int w = size.width, h = size.height;
  const double plot_w = w - kLeft - kRight, plot_h = h - kTop - kBottom;
  std::string svg = absl::StrFormat(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
      "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\"><title>%s</title>",
      w, h, w, h, HtmlEscape(chart.title), HtmlEscape(chart.title));
  absl::StrAppend(&svg, "<text class=\"chart-title\" x=\"", kLeft, "\" y=\"16\">",
                  HtmlEscape(chart.title), "</text>");
  if (!chart.HasPoints() || chart.end_ms <= chart.start_ms) {
    absl::StrAppend(&svg, "<rect x=\"", kLeft, "\" y=\"", kTop, "\" width=\"", Num(plot_w),
                    "\" height=\"", Num(plot_h), "\" class=\"frame\"/><text x=\"",
                    Num(kLeft + plot_w / 2), "\" y=\"", Num(kTop + plot_h / 2),
                    "\" text-anchor=\"middle\" class=\"nodata\">no data</text></svg>");
    return svg;
  }
  const Plot plot = MakePlot(chart, plot_w, plot_h);
  AppendGridAndAxes(plot, svg);
  int legend_x = kLeft;
  for (size_t i = 0; i < chart.lines.size(); ++i) AppendLine(plot, i, legend_x, svg);
  absl::StrAppend(&svg, "</svg>");
  return svg;
}

}  // namespace scout::collector::reports
