// Apache ECharts, loaded only by pages that show a chart (built as dist/echarts.js).
//
// A chart is declared in a template as an element with `data-chart="<id>"`, where <id> is
// the id of a `{{ option|json_script:"<id>" }}` block holding the ECharts option. No inline
// scripts: the option is data, this file draws it. Charts inside fragments swapped in by htmx
// are drawn too. Every chart should come with a data table (the accessible, printable form).
import * as echarts from "echarts/core";
import { BarChart, LineChart, PieChart } from "echarts/charts";
import {
  AriaComponent,
  DatasetComponent,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
} from "echarts/components";
import { SVGRenderer } from "echarts/renderers";

echarts.use([
  BarChart,
  LineChart,
  PieChart,
  AriaComponent,
  DatasetComponent,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
  SVGRenderer,
]);

const PALETTE = ["#1f4e8c", "#2f7d6d", "#b7791f", "#8e3b46", "#5a6b7d", "#6b4fa0"];
const charts = new Set();

function fontFamily() {
  return getComputedStyle(document.body).fontFamily;
}

function draw(root) {
  const scope = root && root.querySelectorAll ? root : document;
  const elements = [];
  if (scope.matches && scope.matches("[data-chart]")) elements.push(scope);
  elements.push(...scope.querySelectorAll("[data-chart]"));
  for (const el of elements) {
    if (el.dataset.chartReady) continue;
    const source = document.getElementById(el.dataset.chart);
    if (!source) continue;
    let option;
    try {
      option = JSON.parse(source.textContent);
    } catch (err) {
      console.error("taxlight: chart option is not valid JSON", err);
      continue;
    }
    const chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      color: PALETTE,
      aria: { enabled: true },
      textStyle: { fontFamily: fontFamily() },
      animation: !window.matchMedia("(prefers-reduced-motion: reduce)").matches,
      ...option,
    });
    el.dataset.chartReady = "1";
    charts.add(chart);
  }
}

window.echarts = echarts;
window.taxlightCharts = { draw };

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => draw(document));
} else {
  draw(document);
}
document.addEventListener("htmx:load", (event) => draw(event.target));
window.addEventListener("resize", () => {
  for (const chart of charts) {
    if (chart.isDisposed()) charts.delete(chart);
    else chart.resize();
  }
});
