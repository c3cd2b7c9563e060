// ECharts with only the parts the charts use, as one chunk (≈ 175 KB gzipped) that BarChart loads
// when a chart is first shown: the statistics page's figures and tables do not wait for it.
import VChart from "vue-echarts";
import { use } from "echarts/core";
import { BarChart as Bars } from "echarts/charts";
import { GridComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

use([Bars, GridComponent, TooltipComponent, CanvasRenderer]);

export default VChart;
