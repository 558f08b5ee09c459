/* The manager dashboards: draws the charts of a page from the selectors' JSON
   (<script id="dash-data">), with the words from <script id="dash-i18n">; clicking a
   bar or a point opens the responses or tickets behind it (same filter). */
(function () {
  "use strict";

  function json(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var data = json("dash-data") || {};
  var t = json("dash-i18n") || {};
  var drill = json("dash-drill") || { params: {} };
  var SMALL = "#afb8c1";

  function url(base, extra) {
    var params = new URLSearchParams(drill.params);
    Object.keys(extra || {}).forEach(function (k) {
      if (extra[k] !== null && extra[k] !== undefined) params.set(k, extra[k]);
    });
    return base + "?" + params.toString();
  }

  function mean(fig) { return fig ? fig.mean : null; }
  function value(fig) { return fig ? fig.value : null; }

  function draw(id, option, onClick) {
    var el = document.getElementById(id);
    if (!el) return null;
    var chart = echarts.init(el);
    option.tooltip = option.tooltip || { trigger: "axis" };
    chart.setOption(option);
    if (onClick) chart.on("click", onClick);
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }

  // Error bars: a custom series drawing one vertical line with caps per category.
  function errorBars(name, intervals) {
    return {
      type: "custom", name: name, z: 10,
      data: intervals.map(function (ci, i) { return ci ? [i, ci[0], ci[1]] : [i, null, null]; }),
      renderItem: function (params, api) {
        if (api.value(1) === null || isNaN(api.value(1))) return null;
        var lo = api.coord([api.value(0), api.value(1)]);
        var hi = api.coord([api.value(0), api.value(2)]);
        var w = api.size([1, 0])[0] * 0.15;
        var style = { stroke: "#24292f", lineWidth: 1.5 };
        return { type: "group", children: [
          { type: "line", shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style: style },
          { type: "line", shape: { x1: lo[0] - w, y1: lo[1], x2: lo[0] + w, y2: lo[1] }, style: style },
          { type: "line", shape: { x1: hi[0] - w, y1: hi[1], x2: hi[0] + w, y2: hi[1] }, style: style }
        ] };
      }
    };
  }

  function responses(instrument, extra) {
    return function () {
      window.location.href = url(drill.responses, Object.assign({ instrument: instrument }, extra || {}));
    };
  }

  // --- service quality -------------------------------------------------------------------
  if (data.overview) {
    var o = data.overview;
    var dims = o.dimensions;
    draw("chart-radar", {
      legend: { bottom: 0 },
      tooltip: { trigger: "item" },
      radar: { indicator: dims.map(function (d) { return { name: d.label, min: 1, max: 7 }; }) },
      series: [{ type: "radar", data: [
        { name: t.expectation, value: dims.map(function (d) { return mean(d.expectation); }) },
        { name: t.perception, value: dims.map(function (d) { return mean(d.perception); }) }
      ] }]
    }, responses(o.instrument));
    draw("chart-gaps", {
      legend: { bottom: 0 },
      xAxis: { type: "category", data: dims.map(function (d) { return d.label; }) },
      yAxis: { type: "value", name: t.gap },
      series: [
        { type: "bar", name: t.gap, data: dims.map(function (d) { return mean(d.gap); }),
          itemStyle: { color: "#cf222e" } },
        errorBars(t.ci95, dims.map(function (d) { return d.gap ? d.gap.ci95 : null; }))
      ]
    }, responses(o.instrument));
  }
  if (data.zone) {
    var z = data.zone.dimensions;
    var low = z.map(function (d) { return mean(d.adequate); });
    draw("chart-zone", {
      legend: { bottom: 0 },
      xAxis: { type: "category", data: z.map(function (d) { return d.label; }) },
      yAxis: { type: "value", min: 1, max: 7 },
      series: [
        { type: "bar", stack: "zone", name: t.adequate, data: low,
          itemStyle: { color: "transparent" }, emphasis: { disabled: true } },
        { type: "bar", stack: "zone", name: t.zone, itemStyle: { color: "#a5d6ff" },
          data: z.map(function (d, i) {
            return d.desired && d.adequate ? mean(d.desired) - low[i] : null; }) },
        { type: "line", name: t.perceived, symbolSize: 10, lineStyle: { width: 0 },
          itemStyle: { color: "#1a7f37" }, data: z.map(function (d) { return mean(d.perception); }) }
      ]
    }, responses(data.zone.instrument));
  }
  if (data.trend) {
    var tr = data.trend;
    draw("chart-trend", {
      legend: { bottom: 0 },
      xAxis: { type: "category", data: tr.months },
      yAxis: { type: "value", name: t.gap },
      series: Object.keys(tr.series).map(function (key) {
        var byMonth = {};
        tr.series[key].forEach(function (p) { byMonth[p.month] = p.mean; });
        return { type: "line", name: tr.labels[key], connectNulls: true, showSymbol: true, symbolSize: 8,
                 lineStyle: key === "overall" ? { width: 4 } : {},
                 data: tr.months.map(function (m) { return byMonth[m] === undefined ? null : byMonth[m]; }) };
      })
    }, function (p) {
      var month = tr.months[p.dataIndex];
      window.location.href = url(drill.responses, { instrument: tr.instrument, start: month, end: month });
    });
  }
  if (data.gaps_model) {
    var g = data.gaps_model.dimensions;
    draw("chart-gaps-model", {
      legend: { bottom: 0 },
      xAxis: { type: "category", data: g.map(function (d) { return d.label; }) },
      yAxis: [{ type: "value", min: 1, max: 7 }, { type: "value", name: t.gap1 }],
      series: [
        { type: "bar", name: t.customers, data: g.map(function (d) { return mean(d.customer_expectation); }) },
        { type: "bar", name: t.managers, data: g.map(function (d) { return mean(d.management_expectation); }) },
        { type: "line", name: t.gap1, yAxisIndex: 1, data: g.map(function (d) { return d.gap1; }) }
      ]
    }, function (p) {
      window.location.href = url(drill.responses, { instrument: p.seriesIndex === 1 ? "management" : "servqual" });
    });
  }

  // --- CSAT / NPS / CES -------------------------------------------------------------------
  var RANGES = { csat: [0, 100], nps: [-100, 100], ces: [1, 7] };
  function scoreChart(id, result, measure, group) {
    var rows = result.rows.filter(function (r) { return r[measure]; });
    draw(id, {
      title: { text: t[measure], textStyle: { fontSize: 13 } },
      grid: { bottom: 80 },
      xAxis: { type: "category", axisLabel: { rotate: 30 },
               data: rows.map(function (r) { return r.name + " (n=" + r[measure].n + ")"; }) },
      yAxis: { type: "value", min: RANGES[measure][0], max: RANGES[measure][1] },
      series: [
        { type: "bar", name: t[measure], data: rows.map(function (r) {
            var fig = r[measure];
            return { value: fig.value, itemStyle: fig.status === "insufficient_data" ? { color: SMALL } : {} };
          }) },
        errorBars(t.ci95, rows.map(function (r) { return r[measure].ci95; }))
      ]
    }, function (p) {
      var extra = { instrument: measure };
      var row = rows[p.dataIndex];
      if (group !== "month" && row.id) extra[group] = row.id;
      if (group === "month") { extra.start = row.id; extra.end = row.id; }
      window.location.href = url(drill.responses, extra);
    });
  }
  if (data.teams) {
    scoreChart("chart-csat-team", data.teams, "csat", "team");
    scoreChart("chart-nps-team", data.teams, "nps", "team");
    scoreChart("chart-ces-team", data.teams, "ces", "team");
  }
  if (data.months) {
    var months = data.months.rows;
    draw("chart-scores-trend", {
      legend: { bottom: 0 },
      xAxis: { type: "category", data: months.map(function (r) { return r.name; }) },
      yAxis: [{ type: "value", name: "%", min: -100, max: 100 },
              { type: "value", name: "CES", min: 1, max: 7 }],
      series: [
        { type: "line", name: t.csat, showSymbol: true, symbolSize: 8, data: months.map(function (r) { return value(r.csat); }) },
        { type: "line", name: t.nps, showSymbol: true, symbolSize: 8, data: months.map(function (r) { return value(r.nps); }) },
        { type: "line", name: t.ces, yAxisIndex: 1, showSymbol: true, symbolSize: 8, data: months.map(function (r) { return value(r.ces); }) }
      ]
    }, function (p) {
      var m = months[p.dataIndex].id;
      window.location.href = url(drill.responses, { instrument: ["csat", "nps", "ces"][p.seriesIndex], start: m, end: m });
    });
  }

  // --- tickets ------------------------------------------------------------------------------
  function tickets(extra) { window.location.href = url(drill.tickets, extra); }
  if (data.pareto) {
    var cats = data.pareto.categories;
    draw("chart-pareto", {
      legend: { bottom: 0 },
      grid: { bottom: 80 },
      xAxis: { type: "category", axisLabel: { rotate: 30 }, data: cats.map(function (c) { return c.name; }) },
      yAxis: [{ type: "value", name: t.complaints }, { type: "value", name: "%", min: 0, max: 100 }],
      series: [
        { type: "bar", name: t.complaints, data: cats.map(function (c) { return c.count; }) },
        { type: "line", name: t.cumulative, yAxisIndex: 1, data: cats.map(function (c) { return c.cumulative; }),
          markLine: { silent: true, symbol: "none", data: [{ yAxis: data.pareto.line }] } }
      ]
    }, function (p) { tickets({ metric: "complaints", category: cats[p.dataIndex].category || 0 }); });
  }
  function teamRates(id, result, parts) {
    var teams = result.teams;
    draw(id, {
      legend: { bottom: 0 },
      xAxis: { type: "category", data: teams.map(function (r) { return r.name; }) },
      yAxis: { type: "value", min: 0, max: 100, name: "%" },
      series: parts.map(function (part) {
        return { type: "bar", name: part.name, data: teams.map(function (r) {
          var fig = part.get(r);
          return fig ? { value: fig.value, itemStyle: fig.status === "insufficient_data" ? { color: SMALL } : {} } : null;
        }) };
      })
    }, function (p) {
      var team = teams[p.dataIndex].team;
      tickets({ metric: parts[p.seriesIndex].metric, team: team || null });
    });
  }
  if (data.sla) {
    teamRates("chart-sla", data.sla, [
      { name: t.fr, metric: "first_response_breached", get: function (r) { return r.first_response.compliance; } },
      { name: t.res, metric: "resolution_breached", get: function (r) { return r.resolution.compliance; } }
    ]);
  }
  if (data.resolution) {
    teamRates("chart-resolution", data.resolution, [
      { name: t.fcr, metric: "fcr", get: function (r) { return r.fcr; } },
      { name: t.reopen, metric: "reopened", get: function (r) { return r.reopen; } }
    ]);
  }
})();
