#!/usr/bin/env python3
"""Plots `piao-loadgen` reports against the number of projection members: docs/scale.png.

Usage: plot_scale.py OUT.png MEMBERS-1.json [MEMBERS-2.json ...]
Three panels drawn as SVG by hand and converted with rsvg-convert (librsvg2-bin, in tools/dev deps), as
tools/bench/plot_rebuild.py does: the projection's apply throughput, the time a member joining from nothing
takes to catch its partitions up, and acknowledged -> visible p50 and p99; one group of bars per member count.
"""
import json
import subprocess
import sys
import tempfile

W, H = 1000, 380
PANEL_W, TOP, BOTTOM, LEFT, GAP = 250, 50, 60, 60, 80
COLOURS = ["#2b6cb0", "#dd6b20", "#38a169"]


def panel(x0, title, groups, series, unit):
    """groups: member counts; series: [(label, [values])]."""
    out = []
    top = max(max(v) for _, v in series) * 1.2 or 1
    plot_h = H - TOP - BOTTOM
    sy = lambda y: TOP + plot_h - plot_h * y / top
    out.append(f'<text x="{x0 + PANEL_W / 2}" y="25" font-size="14" text-anchor="middle">{title}</text>')
    out.append(f'<line x1="{x0}" y1="{TOP + plot_h}" x2="{x0 + PANEL_W}" y2="{TOP + plot_h}" stroke="black"/>')
    out.append(f'<line x1="{x0}" y1="{TOP}" x2="{x0}" y2="{TOP + plot_h}" stroke="black"/>')
    for i in range(5):
        v = top * i / 4
        out.append(f'<text x="{x0 - 5}" y="{sy(v) + 4}" font-size="10" text-anchor="end">{v:.0f}</text>')
        out.append(f'<line x1="{x0}" y1="{sy(v)}" x2="{x0 + PANEL_W}" y2="{sy(v)}" stroke="#ddd"/>')
    out.append(f'<text x="{x0 - 45}" y="{TOP + plot_h / 2}" font-size="11" '
               f'transform="rotate(-90 {x0 - 45} {TOP + plot_h / 2})" text-anchor="middle">{unit}</text>')
    group_w = PANEL_W / len(groups)
    bar_w = group_w * 0.7 / len(series)
    for g, members in enumerate(groups):
        gx = x0 + g * group_w + group_w * 0.15
        for s, (label, values) in enumerate(series):
            v = values[g]
            out.append(f'<rect x="{gx + s * bar_w}" y="{sy(v)}" width="{bar_w - 2}" height="{TOP + plot_h - sy(v)}" '
                       f'fill="{COLOURS[s % len(COLOURS)]}"/>')
            out.append(f'<text x="{gx + s * bar_w + bar_w / 2}" y="{sy(v) - 3}" font-size="9" '
                       f'text-anchor="middle">{v:.0f}</text>' if v >= 10 else f'<text x="{gx + s * bar_w + bar_w / 2}" y="{sy(v) - 3}" font-size="9" text-anchor="middle">{v:.1f}</text>')
        out.append(f'<text x="{gx + group_w * 0.35}" y="{TOP + plot_h + 15}" font-size="11" '
                   f'text-anchor="middle">{members} member{"s" if members > 1 else ""}</text>')
    for s, (label, _) in enumerate(series):
        ly = H - 20
        lx = x0 + s * 150
        out.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{COLOURS[s % len(COLOURS)]}"/>')
        out.append(f'<text x="{lx + 14}" y="{ly}" font-size="11">{label}</text>')
    return out


def main():
    out_png = sys.argv[1]
    reports = [json.load(open(p)) for p in sys.argv[2:]]
    groups = [r["shape"]["projections"] for r in reports]
    first = panel(LEFT, "Apply (bounded by the writes)", groups,
                  [("events/s", [r["apply"]["events_per_s"] for r in reports])], "events per second")
    second = panel(LEFT + PANEL_W + GAP, "A member joining from nothing", groups,
                   [("seconds to catch up", [r["catch_up"]["seconds"] for r in reports])], "seconds")
    third = panel(LEFT + 2 * (PANEL_W + GAP), "Acknowledged -> visible", groups,
                  [("p50 ms", [r["visible"]["p50_ms"] for r in reports]),
                   ("p99 ms", [r["visible"]["p99_ms"] for r in reports])],
                  "milliseconds")
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif">'
           f'<rect width="100%" height="100%" fill="white"/>' + "".join(first + second + third) + "</svg>")
    with tempfile.NamedTemporaryFile("w", suffix=".svg", delete=False) as f:
        f.write(svg)
    subprocess.run(["rsvg-convert", "-o", out_png, f.name], check=True)


if __name__ == "__main__":
    main()
