"""A study's report: ``metrics.json``, ``metrics.md`` and one self-contained ``report.html``.

``write_report`` turns what a study measured into three files in its output folder:

* ``metrics.json``: the metrics as given (non-finite numbers written as ``null``);
* ``metrics.md``: the same metrics as Markdown tables, one row per compared run;
* ``report.html``: title, description, results and configuration as HTML tables, and every
  figure embedded as a base64 ``data:`` URI, so the one file can be mailed or opened anywhere
  with no image beside it.

How metrics become tables (shared by the Markdown and the HTML):

* a list of dicts is one table, one row per dict (one compared run each);
* a dict gives a "Summary" table of its plain values, then one table per dict value: a dict of
  dicts (``{"Adam": {"final_loss": 0.07}, ...}``) has a row per run and a column per metric, a
  dict of plain values (a sweep, ``{"0.1": 0.19, ...}``) has a row per key.

Every file is written atomically, so an interrupted study never leaves half a report.
"""

from __future__ import annotations

import base64
import html
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scratchdl.recipes._common import json_safe, write_json
from scratchdl.serialization import write_atomically

FigureEntry = str | os.PathLike | tuple[str | os.PathLike, str]

IMAGE_TYPES = {
    ".png": "image/png",
    ".gif": "image/gif",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}

# (heading, column names, rows of cells)
Table = tuple[str, list[str], list[list[Any]]]

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #f2f2f2; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0 2rem; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; }
pre { background: #f7f7f7; padding: 0.5rem; overflow-x: auto; }
"""


def write_report(
    folder: str | os.PathLike,
    *,
    title: str,
    description: str,
    config: dict[str, Any],
    metrics: dict[str, Any] | list[dict[str, Any]],
    figures: Sequence[FigureEntry] = (),
) -> Path:
    """Write ``metrics.json``, ``metrics.md`` and ``report.html`` into ``folder``; return the
    path of ``report.html``.

    Parameters
    ----------
    folder : the study's output folder (created if missing).
    title : the report's heading.
    description : plain text (a study's docstring): paragraphs separated by blank lines; an
        indented paragraph is shown as preformatted text. It is escaped, never read as HTML.
    config : the settings of the run (epochs, seed, learning rates, ...), shown as a table.
    metrics : a dict or a list of dicts (see the module docstring for the tables they make).
    figures : image files to embed, each a path or a ``(path, caption)`` pair; a relative path
        is relative to ``folder``. PNG, GIF, JPEG and SVG are accepted.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if not isinstance(metrics, (dict, list)):
        raise TypeError(
            f"write_report: metrics must be a dict or a list of dicts; received "
            f"{type(metrics).__name__}."
        )
    embedded = [_embed(folder, entry) for entry in figures]  # fails before any file is written
    tables = metric_tables(metrics)
    write_json(folder / "metrics.json", metrics)
    markdown = _markdown(title, tables)
    write_atomically(folder / "metrics.md", lambda: markdown.encode())
    page = _html(title, description, config, tables, embedded)
    path = folder / "report.html"
    write_atomically(path, lambda: page.encode())
    return path


def finish_study(
    folder: Path,
    *,
    title: str,
    description: str,
    config: dict[str, Any],
    metrics: dict[str, Any],
    histories: dict[str, Any],
    figures: Sequence[FigureEntry] = (),
) -> dict[str, Any]:
    """Write a study's ``history.json`` (one History per run) and its report; return the
    metrics as ``metrics.json`` holds them (non-finite values as None)."""
    write_json(folder / "history.json", {name: h.to_dict() for name, h in histories.items()})
    write_report(
        folder,
        title=title,
        description=description,
        config=config,
        metrics=metrics,
        figures=figures,
    )
    return json_safe(metrics)


# --------------------------------------------------------------------------- metrics as tables


def metric_tables(metrics: dict[str, Any] | list[dict[str, Any]]) -> list[Table]:
    """The tables ``metrics.md`` and ``report.html`` show (see the module docstring)."""
    metrics = json_safe(metrics)
    if isinstance(metrics, list):
        return [_rows_table("Results", {str(i + 1): row for i, row in enumerate(metrics)}, "")]
    summary = [[key, value] for key, value in metrics.items() if not isinstance(value, dict)]
    tables: list[Table] = [("Summary", ["metric", "value"], summary)] if summary else []
    for key, value in metrics.items():
        if not isinstance(value, dict):
            continue
        if value and all(isinstance(row, dict) for row in value.values()):
            tables.append(_rows_table(key, value, "run"))
        else:
            tables.append((key, ["key", "value"], [[name, cell] for name, cell in value.items()]))
    return tables


def _rows_table(heading: str, rows: dict[str, dict[str, Any]], label: str) -> Table:
    """One row per run; the columns are every key that any run has, in first-seen order."""
    columns: list[str] = []
    for row in rows.values():
        if not isinstance(row, dict):
            raise TypeError(
                f"write_report: a list of metrics must hold dicts (one per run); received a "
                f"{type(row).__name__}: {row!r}."
            )
        columns += [key for key in row if key not in columns]
    cells = [[name, *(row.get(key) for key in columns)] for name, row in rows.items()]
    if not label:  # a plain list of runs: no name column
        return heading, columns, [cell[1:] for cell in cells]
    return heading, [label, *columns], cells


def format_value(value: Any) -> str:
    """A cell's text: floats to 4 significant digits, None as a dash, containers as JSON."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.3e}"
        return f"{value:.4g}"
    if isinstance(value, (list, dict)):
        text = json.dumps(value)
        return text if len(text) <= 80 else text[:77] + "..."
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --------------------------------------------------------------------------- Markdown


def _markdown(title: str, tables: list[Table]) -> str:
    lines = [f"# {title}", ""]
    for heading, columns, rows in tables:
        lines += [f"## {heading}", ""]
        lines.append("| " + " | ".join(_md_cell(column) for column in columns) + " |")
        lines.append(
            "|"
            + "|".join("---:" if _numeric(rows, i) else "---" for i in range(len(columns)))
            + "|"
        )
        for row in rows:
            lines.append("| " + " | ".join(_md_cell(format_value(cell)) for cell in row) + " |")
        lines.append("")
    return "\n".join(lines)


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _numeric(rows: list[list[Any]], column: int) -> bool:
    values = [row[column] for row in rows if row[column] is not None]
    return bool(values) and all(_is_number(value) for value in values)


# --------------------------------------------------------------------------- HTML


def _embed(folder: Path, entry: FigureEntry) -> tuple[str, str, str]:
    """``(file name, caption, data URI)`` of one figure."""
    if isinstance(entry, tuple):
        if len(entry) != 2:
            raise ValueError(
                f"write_report: a figure is a path or a (path, caption) pair; received {entry!r}."
            )
        path, caption = Path(entry[0]), str(entry[1])
    else:
        path, caption = Path(entry), ""
    full = path if path.is_absolute() else folder / path
    media_type = IMAGE_TYPES.get(full.suffix.lower())
    if media_type is None:
        raise ValueError(
            f"write_report: cannot embed {str(full)!r}: its suffix {full.suffix!r} is not an "
            f"image type the report knows ({', '.join(IMAGE_TYPES)})."
        )
    if not full.is_file():
        raise FileNotFoundError(
            f"write_report: the figure {str(full)!r} does not exist. help: save the figure "
            "before writing the report, or leave it out of figures=."
        )
    data = base64.b64encode(full.read_bytes()).decode("ascii")
    return full.name, caption, f"data:{media_type};base64,{data}"


def _html(
    title: str,
    description: str,
    config: dict[str, Any],
    tables: list[Table],
    figures: list[tuple[str, str, str]],
) -> str:
    escape = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(title)}</h1>",
        "<section>",
        *_paragraphs(description),
        "</section>",
        "<section>",
        "<h2>Results</h2>",
    ]
    for heading, columns, rows in tables:
        parts.append(f"<h3>{escape(str(heading))}</h3>")
        parts.append(_html_table(columns, rows))
    parts.append("</section>")
    if figures:
        parts += ["<section>", "<h2>Figures</h2>"]
        for name, caption, uri in figures:
            text = f"<code>{escape(name)}</code>" + (f": {escape(caption)}" if caption else "")
            alt = escape(caption or name, quote=True)
            parts += [
                f'<figure data-file="{escape(name, quote=True)}">',
                f'<img src="{uri}" alt="{alt}">',
                f"<figcaption>{text}</figcaption>",
                "</figure>",
            ]
        parts.append("</section>")
    config_rows = [[key, value] for key, value in json_safe(config).items()]
    parts += ["<section>", "<h2>Configuration</h2>", _html_table(["setting", "value"], config_rows)]
    parts += ["</section>", "</body>", "</html>", ""]
    return "\n".join(parts)


def _paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs as HTML: "* " or "- " items become a list, indented
    blocks (code, tables) stay preformatted, the rest are paragraphs. Everything is escaped."""
    out = []
    for block in text.strip().split("\n\n"):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith((" ", "\t")) for line in lines):
            out.append(f"<pre>{html.escape(_dedent(lines))}</pre>")
        elif lines[0].lstrip().startswith(("* ", "- ")):
            items: list[str] = []
            for line in lines:
                stripped = line.strip()
                if stripped.startswith(("* ", "- ")):
                    items.append(stripped[2:])
                else:  # a continuation line of the item above
                    items[-1] += " " + stripped
            out.append(
                "<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in items) + "</ul>"
            )
        else:
            out.append(f"<p>{html.escape(' '.join(line.strip() for line in lines))}</p>")
    return out


def _dedent(lines: list[str]) -> str:
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return "\n".join(line[indent:] for line in lines)


def _html_table(columns: list[str], rows: list[list[Any]]) -> str:
    escape = html.escape
    head = "".join(f"<th>{escape(str(column))}</th>" for column in columns)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="number">{escape(format_value(cell))}</td>'
            if _is_number(cell)
            else f"<td>{escape(format_value(cell))}</td>"
            for cell in row
        )
        body.append(f"<tr>{cells}</tr>")
    return (
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + "\n</tbody>\n</table>"
    )
