#!/usr/bin/env python3
"""Plots rebuild time against events from `piao-bench --json` output: docs/rebuild.png.

Usage: plot_rebuild.py BENCH.json OUT.png
Draws an SVG by hand and converts it with rsvg-convert (librsvg2-bin, in tools/dev deps): no plotting library.
The measured points, and the straight line through the origin and the first rebuild: a linear rebuild keeps
every point on it.
"""
import json
import subprocess
import sys
import tempfile

W, H, L, R, T, B = 640, 400, 70, 20, 40, 50


def main():
    result = json.load(open(sys.argv[1]))
    out = sys.argv[2]
    rb = result["rebuild"]
    points = [(0.0, 0.0)] + sorted((float(e), float(s)) for e, s in rb.get("curve", []))
    for n, s in ((rb["events_1m"], rb["events_1m_s"]), (rb["events_2m"], rb["events_2m_s"])):
        if (float(n), float(s)) not in points:
            points.append((float(n), float(s)))
    points.sort()
    xmax = max(p[0] for p in points) * 1.05
    ymax = max(p[1] for p in points) * 1.15
    unit, scale = ("millions", 1e6) if xmax >= 2e6 else ("thousands", 1e3)
    sx = lambda x: L + (W - L - R) * x / xmax
    sy = lambda y: H - B - (H - T - B) * y / ymax
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="DejaVu Sans" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W/2}" y="22" text-anchor="middle" font-size="15">Projection rebuild time vs events '
           f'({result["machine"]["date"]}, {result["machine"]["cores"]} cores)</text>',
           f'<line x1="{L}" y1="{H-B}" x2="{W-R}" y2="{H-B}" stroke="black"/>',
           f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H-B}" stroke="black"/>',
           f'<text x="{(L+W-R)/2}" y="{H-12}" text-anchor="middle">events ({unit})</text>',
           f'<text x="18" y="{(T+H-B)/2}" text-anchor="middle" transform="rotate(-90 18 {(T+H-B)/2})">seconds</text>']
    for i in range(6):
        x = xmax * i / 5
        y = ymax * i / 5
        svg.append(f'<text x="{sx(x)}" y="{H-B+16}" text-anchor="middle">{x/scale:.1f}</text>')
        svg.append(f'<text x="{L-6}" y="{sy(y)+4}" text-anchor="end">{y:.0f}</text>')
        svg.append(f'<line x1="{L}" y1="{sy(y)}" x2="{W-R}" y2="{sy(y)}" stroke="#ddd"/>')
    n1, s1 = float(rb["events_1m"]), float(rb["events_1m_s"])
    svg.append(f'<line x1="{sx(0)}" y1="{sy(0)}" x2="{sx(xmax)}" y2="{sy(s1 / n1 * xmax)}" stroke="#999" '
               f'stroke-dasharray="6,4"/>')
    svg.append(f'<text x="{sx(xmax)-4}" y="{sy(s1 / n1 * xmax)-6}" text-anchor="end" fill="#666">linear from the first rebuild</text>')
    path = " ".join(f"{'M' if i == 0 else 'L'}{sx(x):.1f},{sy(y):.1f}" for i, (x, y) in enumerate(points))
    svg.append(f'<path d="{path}" fill="none" stroke="#1f77b4" stroke-width="2"/>')
    for x, y in points[1:]:
        svg.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="4" fill="#1f77b4"/>')
        svg.append(f'<text x="{sx(x)+6:.1f}" y="{sy(y)+16:.1f}">{y:.1f} s</text>')
    svg.append("</svg>")
    with tempfile.NamedTemporaryFile("w", suffix=".svg", delete=False) as f:
        f.write("\n".join(svg))
    subprocess.run(["rsvg-convert", "-o", out, f.name], check=True)


if __name__ == "__main__":
    main()
