/**
 * The SVG bar chart written beside the JSON: per scenario, each server's throughput as a
 * ratio to the scenario's reference (nginx = 1.0; Apache for S6 and S8), with the machine
 * and date in the title. Plain SVG text, no dependency; bars taller than the axis are
 * clipped and labelled with their value.
 */
import { escapeXml } from './xml.js';
import { ratioToReference, referenceOf } from './figures.js';
import type { BenchResults } from './results.js';

const ORDER = ['porta', 'nginx', 'apache', 'node-http', 'node-net-ceiling', 'serve', 'http-server', 'sirv'];
const COLOURS: Readonly<Record<string, string>> = {
  porta: '#d9480f',
  nginx: '#2b8a3e',
  apache: '#5c940d',
  'node-http': '#1c7ed6',
  'node-net-ceiling': '#7048e8',
  serve: '#868e96',
  'http-server': '#adb5bd',
  sirv: '#495057',
};

const BAR = 14;
const GAP = 26;
const PLOT_HEIGHT = 260;
const LEFT = 50;
const TOP = 70;
const AXIS_MAX = 2.5;

export function renderChart(results: BenchResults): string {
  const all = results.scenarios;
  const scenarios = [...new Set(all.map((outcome) => outcome.scenario))];
  const groups = scenarios
    .map((scenario) => ({
      scenario,
      reference: referenceOf(scenario),
      bars: ORDER.map((peer) => ({ peer, ratio: ratioToReference(all, scenario, peer) })).filter(
        (bar): bar is { peer: string; ratio: number } => bar.ratio !== undefined,
      ),
    }))
    .filter((group) => group.bars.length > 0);
  const peers = ORDER.filter((peer) => groups.some((group) => group.bars.some((bar) => bar.peer === peer)));
  const width = Math.max(640, LEFT + groups.reduce((sum, group) => sum + group.bars.length * BAR + GAP, 0) + 20);
  const height = TOP + PLOT_HEIGHT + 90;
  const y = (ratio: number): number => TOP + PLOT_HEIGHT - (Math.min(ratio, AXIS_MAX) / AXIS_MAX) * PLOT_HEIGHT;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  const machine = `${results.machine.cpuModel}, ${results.machine.cpus} CPUs, Node ${results.machine.node}`;
  parts.push(`<text x="${LEFT}" y="22" font-size="15" font-weight="bold">porta bench: throughput relative to nginx (= 1.0; Apache for S6, S8)</text>`);
  parts.push(`<text x="${LEFT}" y="40">${escapeXml(`${results.startedAt.slice(0, 10)} on ${machine}; ${results.method.loadGenerator}, median of ${results.method.runs} x ${results.method.durationSeconds} s`)}</text>`);
  for (const tick of [0, 0.5, 1, 1.5, 2, 2.5]) {
    const ty = y(tick);
    parts.push(`<line x1="${LEFT}" x2="${width - 10}" y1="${ty}" y2="${ty}" stroke="${tick === 1 ? '#000' : '#dee2e6'}" stroke-width="${tick === 1 ? 1.2 : 1}"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${ty + 4}" text-anchor="end">${tick.toFixed(1)}</text>`);
  }
  let x = LEFT + GAP / 2;
  for (const group of groups) {
    const start = x;
    for (const bar of group.bars) {
      const top = y(bar.ratio);
      parts.push(`<rect x="${x}" y="${top}" width="${BAR - 2}" height="${TOP + PLOT_HEIGHT - top}" fill="${COLOURS[bar.peer] ?? '#000'}"><title>${escapeXml(`${group.scenario} ${bar.peer}: ${bar.ratio.toFixed(2)}`)}</title></rect>`);
      if (bar.peer === 'porta' || bar.ratio > AXIS_MAX) {
        parts.push(`<text x="${x + (BAR - 2) / 2}" y="${top - 3}" text-anchor="middle" font-size="9">${bar.ratio.toFixed(2)}</text>`);
      }
      x += BAR;
    }
    parts.push(`<text x="${(start + x) / 2}" y="${TOP + PLOT_HEIGHT + 16}" text-anchor="middle">${escapeXml(group.scenario)}</text>`);
    x += GAP;
  }
  let lx = LEFT;
  const ly = TOP + PLOT_HEIGHT + 44;
  for (const peer of peers) {
    parts.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${COLOURS[peer] ?? '#000'}"/>`);
    parts.push(`<text x="${lx + 16}" y="${ly}">${escapeXml(peer)}</text>`);
    lx += 24 + peer.length * 7;
  }
  parts.push(`<text x="${LEFT}" y="${ly + 24}" fill="#495057">MC: every core, unpinned. Bars above ${AXIS_MAX} are clipped. Missing bar: not measured (n/a) in this run.</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
