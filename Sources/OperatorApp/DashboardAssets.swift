/// The dashboard page: plain HTML, CSS and a script with no dependencies, served from the binary
/// (no build step, nothing fetched from elsewhere). Everything shown comes from `/api/state` and
/// is written with `textContent`: image names, refusal reasons and relay errors are strangers' text.
enum DashboardAssets {
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>nostr-compute provider</title>
    <link rel="stylesheet" href="/dashboard.css">
    <script src="/dashboard.js" defer></script>
    </head>
    <body data-state="loading">
    <header>
      <h1>nostr-compute <span id="provider-name"></span></h1>
      <div id="provider-key" class="muted"></div>
      <div id="status" class="muted">loading…</div>
    </header>
    <div id="standby" class="banner" hidden>This replica is on standby: the leader's dashboard shows the market and the leases it acts on.</div>
    <main>
      <section id="summary" class="cards">
        <div class="card"><div class="label">Earned (window)</div><div id="earned-total" class="big">–</div><div id="earned-by-rail" class="muted"></div></div>
        <div class="card"><div class="label">Leases running</div><div id="count-running" class="big">–</div><div id="count-other" class="muted"></div></div>
        <div class="card"><div class="label">Relays connected</div><div id="count-relays" class="big">–</div><ul id="relays" class="plain"></ul></div>
        <div class="card"><div class="label">Lightning wallet</div><div id="wallet" class="big" data-state="unknown">–</div><div id="wallet-detail" class="muted"></div></div>
      </section>
      <section id="earnings" data-points="0">
        <h2>Earnings</h2>
        <div id="chart"></div>
        <div id="legend" class="muted"></div>
      </section>
      <section id="leases">
        <h2>Leases <span id="leases-extra" class="muted"></span></h2>
        <table>
          <thead><tr><th>Lease</th><th>Tenant</th><th>Image</th><th>Resources</th><th>Phase</th><th>Paid until</th><th>Earned</th><th>Rail</th><th>Node</th></tr></thead>
          <tbody></tbody>
        </table>
      </section>
      <section id="capacity">
        <h2>Capacity</h2>
        <ul id="warnings" class="warnings"></ul>
        <table>
          <thead><tr><th>Node</th><th>CPU free / total</th><th>Memory free / total</th><th>GPUs free / total</th><th>Takes leases</th></tr></thead>
          <tbody></tbody>
        </table>
        <p id="offer" class="muted"></p>
      </section>
      <section id="market">
        <h2>Market: recent requests</h2>
        <p id="blocklists" class="muted"></p>
        <table>
          <thead><tr><th>When</th><th>Request</th><th>Tenant</th><th>Answer</th><th>Reason</th></tr></thead>
          <tbody></tbody>
        </table>
      </section>
    </main>
    </body>
    </html>
    """#

    static let style = #"""
    :root { --fg: #1d2330; --muted: #667085; --line: #e4e7ec; --bg: #f8f9fb; --card: #fff; --warn: #b54708; --bad: #b42318; --good: #067647; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
    header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0 1.5rem; padding: 1rem 1.5rem; background: var(--card); border-bottom: 1px solid var(--line); }
    h1 { font-size: 1.25rem; margin: 0; }
    h2 { font-size: 1rem; margin: 0 0 .5rem; }
    main { padding: 1rem 1.5rem; display: grid; gap: 1rem; }
    section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; overflow-x: auto; }
    .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 1rem; background: none; border: 0; padding: 0; }
    .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; }
    .label { color: var(--muted); font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; }
    .big { font-size: 1.5rem; font-weight: 600; }
    .muted { color: var(--muted); }
    .plain { list-style: none; margin: .25rem 0 0; padding: 0; font-size: .85rem; }
    table { border-collapse: collapse; width: 100%; font-size: .9rem; }
    th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
    td.reason, td.image { white-space: normal; word-break: break-all; max-width: 28rem; }
    th { color: var(--muted); font-weight: 500; }
    .banner { margin: 1rem 1.5rem 0; padding: .75rem 1rem; border-radius: 8px; background: #fffaeb; color: var(--warn); border: 1px solid #fedf89; }
    .warnings { margin: 0 0 .75rem; padding-left: 1.2rem; color: var(--warn); }
    [data-state="connected"], [data-state="reachable"], .phase-Running { color: var(--good); }
    [data-state="unreachable"], [data-state="backing-off"], .outcome-refused, .phase-Failed, .phase-Expired, .phase-Terminated { color: var(--bad); }
    .outcome-bid { color: var(--good); }
    .outcome-ignored { color: var(--muted); }
    body[data-state="stale"] #status { color: var(--bad); }
    svg { width: 100%; height: 240px; display: block; }
    svg .axis { stroke: var(--line); }
    svg text { fill: var(--muted); font-size: 11px; }
    svg .series { fill: none; stroke-width: 2; }
    svg .rail-lightning { stroke: #f79009; }
    svg .rail-cashu { stroke: #7a5af8; }
    svg .dot-lightning { fill: #f79009; }
    svg .dot-cashu { fill: #7a5af8; }
    .swatch-lightning { color: #f79009; }
    .swatch-cashu { color: #7a5af8; }
    """#

    static let script = #"""
    "use strict";
    (function () {
      const svgNS = "http://www.w3.org/2000/svg";
      const period = 2000;

      function el(tag, attrs, ...children) {
        const node = document.createElement(tag);
        for (const [key, value] of Object.entries(attrs || {})) {
          if (value !== undefined && value !== null) node.setAttribute(key, String(value));
        }
        for (const child of children) {
          node.append(child instanceof Node ? child : document.createTextNode(child === undefined || child === null ? "" : String(child)));
        }
        return node;
      }
      function svg(tag, attrs) {
        const node = document.createElementNS(svgNS, tag);
        for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
        return node;
      }
      function text(id, value) { document.getElementById(id).textContent = value; }
      function sats(msats) { const whole = Math.floor(msats / 1000); return whole.toLocaleString("en-US") + (whole === 1 ? " sat" : " sats"); }
      function short(value, keep) { return value && value.length > keep * 2 + 1 ? value.slice(0, keep) + "…" + value.slice(-keep) : (value || ""); }
      function relative(unix, now) {
        if (unix === null || unix === undefined) return "–";
        const delta = unix - now, size = Math.abs(delta);
        const amount = size < 90 ? size + "s" : size < 5400 ? Math.round(size / 60) + "m" : size < 129600 ? Math.round(size / 3600) + "h" : Math.round(size / 86400) + "d";
        return delta >= 0 ? "in " + amount : amount + " ago";
      }
      function bytes(value) {
        const units = ["B", "KiB", "MiB", "GiB", "TiB"];
        let index = 0;
        while (value >= 1024 && index < units.length - 1) { value /= 1024; index += 1; }
        return (index ? value.toFixed(1) : value) + " " + units[index];
      }
      function cores(millis) { return (millis / 1000).toLocaleString("en-US", { maximumFractionDigits: 2 }); }
      function replaceRows(section, rows) {
        const body = document.querySelector("#" + section + " tbody");
        body.replaceChildren(...rows);
      }

      function renderHeader(state) {
        text("provider-name", state.provider.name);
        text("provider-key", state.provider.npub || "not on Nostr yet");
        document.getElementById("standby").hidden = state.provider.acting;
        text("status", "updated " + new Date(state.generatedAt * 1000).toLocaleTimeString());
      }

      function renderSummary(state) {
        text("earned-total", sats(state.earnings.totalMsats));
        const rails = Object.entries(state.earnings.byRail).map(([rail, msats]) => rail + " " + sats(msats));
        text("earned-by-rail", (rails.join(" · ") || "nothing yet") + " · last " + Math.round(state.earnings.windowSeconds / 86400) + " days");
        const running = state.leases.filter((lease) => lease.phase === "Running").length;
        text("count-running", running);
        const waiting = state.leases.filter((lease) => lease.phase === "AwaitingPayment").length;
        const provisioning = state.leases.filter((lease) => lease.phase === "Provisioning").length;
        text("count-other", provisioning + " provisioning · " + waiting + " bids awaiting payment");
        const relays = state.market.relays;
        text("count-relays", relays.filter((relay) => relay.state === "connected").length + " / " + relays.length);
        document.getElementById("relays").replaceChildren(...relays.map((relay) =>
          el("li", { "data-state": relay.state, title: relay.lastError || "" }, relay.url + " — " + relay.state)));
        const wallet = document.getElementById("wallet");
        wallet.dataset.state = state.market.wallet.state;
        wallet.textContent = { none: "not used", unused: "not asked yet", reachable: "reachable", unreachable: "unreachable" }[state.market.wallet.state] || state.market.wallet.state;
        const at = state.market.wallet.at ? " (" + relative(state.market.wallet.at, state.generatedAt) + ")" : "";
        text("wallet-detail", (state.market.wallet.detail || "") + at);
      }

      function renderChart(state) {
        const series = state.earnings.series;
        const box = document.getElementById("chart");
        const width = 900, height = 240, left = 70, right = 10, top = 10, bottom = 28;
        const chart = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": "received over time, per rail" });
        const all = series.flatMap((line) => line.points);
        let total = 0;
        if (all.length) {
          const t0 = Math.min(...all.map((point) => point[0])), t1 = Math.max(...all.map((point) => point[0]), t0 + 1);
          const top0 = Math.max(...all.map((point) => point[1]), 1000);
          const x = (t) => left + (t - t0) / (t1 - t0) * (width - left - right);
          const y = (v) => height - bottom - v / top0 * (height - top - bottom);
          chart.append(svg("line", { class: "axis", x1: left, y1: height - bottom, x2: width - right, y2: height - bottom }));
          chart.append(svg("line", { class: "axis", x1: left, y1: top, x2: left, y2: height - bottom }));
          const label = (x0, y0, anchor, value) => { const node = svg("text", { x: x0, y: y0, "text-anchor": anchor }); node.textContent = value; return node; };
          chart.append(label(left - 6, top + 10, "end", sats(top0)));
          chart.append(label(left - 6, height - bottom, "end", "0"));
          chart.append(label(left, height - 8, "start", new Date(t0 * 1000).toLocaleString()));
          chart.append(label(width - right, height - 8, "end", new Date(t1 * 1000).toLocaleString()));
          for (const line of series) {
            // A step line: the total holds between payments and rises at each one.
            const steps = [];
            line.points.forEach((point, index) => {
              if (index > 0) steps.push([point[0], line.points[index - 1][1]]);
              steps.push(point);
            });
            chart.append(svg("polyline", {
              class: "series rail-" + line.rail, "data-rail": line.rail, "data-points": line.points.length,
              points: steps.map((point) => x(point[0]).toFixed(1) + "," + y(point[1]).toFixed(1)).join(" "),
            }));
            for (const point of line.points.slice(1, -1)) {
              chart.append(svg("circle", { class: "dot-" + line.rail, cx: x(point[0]).toFixed(1), cy: y(point[1]).toFixed(1), r: 2.5 }));
            }
            total += line.points.length;
          }
        } else {
          const empty = svg("text", { x: width / 2, y: height / 2, "text-anchor": "middle" });
          empty.textContent = "no payments in the window yet";
          chart.append(empty);
        }
        box.replaceChildren(chart);
        document.getElementById("earnings").dataset.points = total;
        document.getElementById("legend").replaceChildren(...series.map((line) =>
          el("span", { class: "swatch-" + line.rail }, "■ " + line.rail + " ")));
      }

      function renderLeases(state) {
        replaceRows("leases", state.leases.map((lease) => {
          const resources = lease.cpu + " CPU, " + lease.memory + (lease.gpus ? ", " + lease.gpus + " × " + (lease.gpuModel || "any GPU") : "");
          return el("tr", { "data-lease": lease.name },
            el("td", { class: "name", title: lease.name }, short(lease.name, 10)),
            el("td", { class: "tenant", title: lease.tenant }, short(lease.tenant, 10)),
            el("td", { class: "image" }, lease.image),
            el("td", { class: "resources" }, resources),
            el("td", { class: "phase phase-" + lease.phase, title: lease.paymentState || "" }, lease.phase),
            el("td", { class: "paid-until", title: lease.paidUntil ? new Date(lease.paidUntil * 1000).toISOString() : "" }, relative(lease.paidUntil, state.generatedAt)),
            el("td", { class: "earned", "data-msats": lease.earnedMsats }, sats(lease.earnedMsats)),
            el("td", { class: "rail" }, lease.rail),
            el("td", { class: "node" }, lease.node || "–"));
        }));
        text("leases-extra", state.leasesNotShown ? "(newest " + state.leases.length + "; " + state.leasesNotShown + " more)" : "");
      }

      function renderCapacity(state) {
        const capacity = state.capacity;
        document.getElementById("warnings").replaceChildren(...capacity.warnings.map((warning) =>
          el("li", { "data-node": warning.node || "" }, (warning.node ? warning.node + ": " : "") + warning.text)));
        replaceRows("capacity", capacity.nodes.map((node) => el("tr", { "data-node": node.name },
          el("td", {}, node.name),
          el("td", {}, cores(node.cpuMillis.free) + " / " + cores(node.cpuMillis.total)),
          el("td", {}, bytes(node.memoryBytes.free) + " / " + bytes(node.memoryBytes.total)),
          el("td", {}, node.gpus.map((gpu) => gpu.free + " / " + gpu.total + " " + (gpu.model || "(no model label)")).join(", ") || "–"),
          el("td", { title: node.exclusions.join("; ") }, node.schedulable ? "yes" : "no: " + node.exclusions.join("; ")))));
        const offer = capacity.offer;
        text("offer", offer
          ? "The offer on the relays (" + relative(offer.publishedAt, state.generatedAt) + ") says: " + cores(offer.cpuMillis.free) + " of "
            + cores(offer.cpuMillis.total) + " CPUs and " + bytes(offer.memoryBytes.free) + " of " + bytes(offer.memoryBytes.total) + " free"
            + (offer.gpus.length ? "; GPUs " + offer.gpus.map((gpu) => gpu.free + " of " + gpu.total + " " + gpu.model).join(", ") : "; no GPUs")
            + "; rails " + offer.rails.join(", ") + (offer.categories.length ? "; categories " + offer.categories.join(", ") : "") + "."
          : "No offer published yet.");
      }

      function renderMarket(state) {
        const lists = state.market.blocklists;
        text("blocklists", lists.publishers
          ? "Blocklists of " + lists.publishers + " trusted publisher(s): " + lists.tenants + " tenants, " + lists.images + " images, "
            + lists.reports + " reports."
          : "No shared blocklists followed (spec.policy.blocklistPublishers).");
        replaceRows("market", state.market.recent.map((entry) => el("tr", { "data-request": entry.request },
          el("td", { title: new Date(entry.at * 1000).toISOString() }, relative(entry.at, state.generatedAt)),
          el("td", { class: "request", title: entry.request }, short(entry.request, 8)),
          el("td", { class: "tenant", title: entry.tenant || "" }, short(entry.tenant || "", 10)),
          el("td", { class: "outcome outcome-" + entry.outcome }, entry.outcome),
          el("td", { class: "reason" }, (entry.reason || (entry.lease ? "lease " + entry.lease : ""))
            + (entry.code ? " [" + entry.code + "]" : "") + (entry.unsent ? " (not sent: refusal rate limit)" : "")))));
      }

      async function refresh() {
        try {
          const response = await fetch("/api/state", { cache: "no-store", credentials: "same-origin" });
          if (response.status === 401) {
            document.body.dataset.state = "stale";
            text("status", "the dashboard's token is needed: open /?token=… again");
            return;
          }
          if (!response.ok) throw new Error("HTTP " + response.status);
          const state = await response.json();
          renderHeader(state);
          renderSummary(state);
          renderChart(state);
          renderLeases(state);
          renderCapacity(state);
          renderMarket(state);
          document.body.dataset.state = "live";
        } catch (error) {
          document.body.dataset.state = "stale";
          text("status", "cannot reach the operator (" + error.message + "); retrying");
        } finally {
          setTimeout(refresh, period);
        }
      }
      refresh();
    })();
    """#
}
