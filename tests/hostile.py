"""The hostile inputs of issue 3 as reports and HTML, and a runner that watches what they touch.

`python -m tests.hostile FOLDER` writes every hostile report under FOLDER, builds each one
(and lays out hostile HTML through the project's fetcher) with sockets disabled and an
audit hook recording every file Python opens, then prints a JSON summary on stdout:
what was opened, which connections were attempted, and each build's exit status.
tests/test_safety.py runs it in a subprocess and checks the summary.
"""

from __future__ import annotations

import io
import json
import os
import socket
import sys
import time
from pathlib import Path

REPORT = """\
title: Hostile
issuer: Test Mission
date: 2021-02-09
chapters:
  - 10-one.yaml
"""


def chapter(*blocks: str) -> str:
    body = "".join(f"      - {b}\n" for b in blocks)
    return f"title: One\nsections:\n  - title: Section\n    id: first\n    blocks:\n{body}"


def png(width: int = 64, height: int = 48, bits: int = 8, colour: int = 2) -> bytes:
    """A blank PNG made row by row with zlib: an 11,000-pixel square of 1 bit is 14 KB and needs no memory."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\0" + b"\0" * ((width * bits * (3 if colour == 2 else 1) + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, bits, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def photo(kind: str) -> bytes:
    """A small PNG or JPEG of noise, made with Pillow (so that compression leaves it long)."""
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((160, 120), 60).convert("RGB").save(out, kind.upper())
    return out.getvalue()


def use_bomb(levels: int = 8, fanout: int = 10) -> bytes:
    """1.5 KB of SVG whose nested <use> references ask for fanout**levels rectangles."""
    groups = ['<g id="l0"><rect width="1" height="1"/></g>'] + [
        f'<g id="l{i}">' + f'<use href="#l{i - 1}"/>' * fanout + "</g>" for i in range(1, levels + 1)]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs>{"".join(groups)}</defs>'
            f'<use href="#l{levels}"/></svg>').encode()


def svg(body: str) -> bytes:
    return ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'width="10" height="10">{body}</svg>').encode()


def figures(*names: str) -> str:
    return chapter(*(f"{{figure: {name}, alt: A picture.}}" for name in names))


# Image files, each made when the suite is written: report name -> file name -> bytes (issues 17, 18).
IMAGES: dict[str, dict[str, bytes]] = {
    "image-truncated": {"cut.png": photo("png")[:-2000], "cut.jpg": photo("jpeg")[:-2000]},
    "image-pixels": {"big.png": png(11_000, 11_000, bits=1, colour=0)},
    "image-use-bomb": {"bomb.svg": use_bomb()},
    "image-svg-import": {"import.svg": svg("<style>@import url(more.css);</style>"), "more.css": b"rect{}"},
    "image-svg-outside": {
        "image.svg": svg('<image xlink:href="file:///etc/passwd" width="5" height="5"/>'),
        "use.svg": svg('<use href="file:///etc/passwd#x"/>'),
        "fill.svg": svg('<rect width="5" height="5" fill="url(file:///etc/passwd#g)"/>'),
        "import.svg": svg("<style>@import url(file:///etc/passwd);</style>"),
        "dotdot.svg": svg('<image href="../../../../../../etc/passwd" width="5" height="5"/>'),
    },
}


# name -> chapter text (or bytes); each is built, most fail with a content error.
CHAPTERS: dict[str, str | bytes] = {
    "colon": "title: One: two\nblocks: [x]\n",
    "indentation": "title: One\nsections:\n  - title: A\n     blocks:\n      - x\n",
    "tab": "title: One\nsections:\n\t- title: A\n",
    "empty": "",
    "comments": "# nothing yet\n",
    "list-at-top": "- a\n- b\n",
    "wrong-type": "title: [a, b]\nblocks: [x]\n",
    "missing-key": "blocks: [x]\n",
    "unknown-keys": "titel: One\nsections:\n  - title: A\n    blcks: [x]\n",
    "duplicate-key": "title: One\ntitle: Two\nblocks: [x]\n",
    "yaml-1.1": chapter("no", "on", "'1.10'", "2021-02-09"),
    "alias": "title: &t One\nblocks: [*t]\n",
    "laughs": "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
    "nested": "title: " + "[" * 1000 + "]" * 1000 + "\n",
    "not-utf8": b"title: caf\xe9\nblocks: [x]\n",
    "bom-crlf": b"\xef\xbb\xbftitle: One\r\nblocks: [x]\r\n",
    "nul-bidi": "title: One\nblocks: ['a\x00b', 'c\u202ed']\n".encode(),
    "accent-then-bad-byte": "title: One\nblocks: [café été \udce9]\n".encode("utf-8", "surrogateescape"),
    "line-separators": "title: One\nblocks: ['a\x85b', 'c\u2028d\u2029']\n".encode(),
    "c1-noncharacters": "title: One\nblocks: ['a\x90b', '\uffff \ufdd0']\n".encode(),
    "documents": "title: One\nblocks: [x]\n---\ntitle: Two\n",
    "python-tag": "title: !!python/object/apply:os.system [touch /tmp/pwned]\nblocks: [x]\n",
    "same-id": chapter("x") + "  - title: Again\n    id: first\n    blocks: [y]\n",
    "unknown-xref": chapter("See [](#nowhere)."),
    "javascript": chapter("'[click](javascript:alert(1))'"),
    "file-link": chapter("'[passwd](file:///etc/passwd)'"),
    "http-link": chapter("'[site](http://127.0.0.1:9/)'"),
    "link-as-list": chapter("[click](https://example.org) unquoted"),
    "html-and-jinja": chapter("'<script>alert(1)</script>'", "'<img src=file:///etc/passwd>'",
                              "'{{ 7*7 }} {% include \"base.html\" %}'", "'<link rel=attachment href=/etc/passwd>'"),
    "long-words": chapter("A" * 200 + " and https://example.org/" + "very-long-path/" * 12),
    **{name: figures(*sorted(n for n in files if not n.endswith(".css"))) for name, files in IMAGES.items()},
    # drawn by matplotlib, which must open nothing of the machine's (rc files, font cache, fonts)
    "chart": chapter('{chart: stacked-bar, title: "$$ in US$ 5 and $10", labels: [a, "$x$", c], '
                     'series: [{name: _x, values: [1, null, -2]}, {name: y, values: [3, 4, 5]}], alt: Bars.}'),
    "huge-word": chapter("A" * 100_000),  # laid out, it took over 300 s; refused at once
}

# Hostile HTML, as a template or stylesheet could produce it, laid out through the fetcher.
HTML = {
    "file-image": '<img src="file:///etc/passwd">',
    "absolute-image": '<img src="/etc/passwd">',
    "dotdot-image": '<img src="../../../../../../etc/passwd">',
    "http-image": '<img src="http://127.0.0.1:9/x.png">',
    "https-image": '<img src="https://example.org/x.png">',
    "css-import": "<style>@import url(file:///etc/passwd);</style>",
    "css-http-font": '<style>@font-face { font-family: X; src: url(http://127.0.0.1:9/f.ttf) } '
                     'p { font-family: X }</style>',
    "css-background": "<style>p { background: url(../../../../../../etc/passwd) }</style>",
    "attachment": '<link rel="attachment" href="file:///etc/passwd">',
    "stylesheet-link": '<link rel="stylesheet" href="file:///etc/passwd">',
    "symlink-out": '<img src="out-link.png">',
    "symlink-css": '<link rel="stylesheet" href="out-link.css">',
    "object": '<object data="file:///etc/passwd"></object><embed src="file:///etc/passwd">',
    "iframe": '<iframe src="file:///etc/passwd"></iframe>',
    # images the fetcher is asked for directly (a stylesheet's or template's), vetted as figures are
    "truncated-image": '<img alt="x" src="cut.png">',
    "pixels-image": '<img alt="x" src="big.png">',
    "use-bomb-image": '<img alt="x" src="bomb.svg">',
    "svg-import-image": '<img alt="x" src="import.svg">',
    "svg-outside-image": '<img alt="x" src="image.svg"><img alt="x" src="fill.svg">',
}


def write_all(folder: Path) -> list[Path]:
    """Every hostile report under `folder`; the content folders, in order."""
    folders = []
    for name, text in CHAPTERS.items():
        content = folder / name
        content.mkdir(parents=True, exist_ok=True)
        (content / "report.yaml").write_text(REPORT, encoding="utf-8")
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        (content / "10-one.yaml").write_bytes(data)
        for file, image in IMAGES.get(name, {}).items():
            (content / file).write_bytes(image)
        folders.append(content)
    big = folder / "huge"
    big.mkdir(exist_ok=True)
    (big / "report.yaml").write_text(REPORT, encoding="utf-8")
    with (big / "10-one.yaml").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    folders.append(big)
    missing = folder / "missing-chapter"
    missing.mkdir(exist_ok=True)
    (missing / "report.yaml").write_text(REPORT + "  - 20-two.yaml\n", encoding="utf-8")
    (missing / "10-one.yaml").write_text(chapter("x"), encoding="utf-8")
    (missing / "30-unlisted.yaml").write_text(chapter("x"), encoding="utf-8")
    folders.append(missing)
    folders += write_not_plain_files(folder)
    return folders


# Issue 17: what stands where a chapter or an image should be, and a link out of the folder.
# Each case's name -> what its error must say (test_safety.py checks it, and that nothing
# the links point at is opened: the secret file's text must never show in any message).
SECRET = "SECRET-LINE: this file is outside every content folder\n"
NOT_PLAIN: dict[str, str] = {
    "chapter-link-out": "'10-one.yaml' is a symbolic link to a file outside the content folder",
    "report-link-passwd": "report.yaml is a symbolic link to a file outside the content folder",
    "chapter-fifo": "'10-one.yaml' is a named pipe (FIFO), not a file",
    "chapter-folder": "'10-one.yaml' is a folder, not a file",
    "image-fifo": "'pipe.png' is a named pipe (FIFO), not a file",
    "image-folder": "'images' is a folder, not a file",
    "reserved-id": "id 'contents-title' is one the templates use for their own",
}


def write_not_plain_files(folder: Path) -> list[Path]:
    (folder / "secret.yaml").write_text(f"title: {SECRET}blocks: [leaked]\n", encoding="utf-8")
    folders = []
    for name in NOT_PLAIN:
        content = folder / name
        content.mkdir(parents=True, exist_ok=True)
        (content / "report.yaml").write_text(REPORT, encoding="utf-8")
        folders.append(content)
    (folder / "chapter-link-out" / "10-one.yaml").symlink_to(folder / "secret.yaml")
    (folder / "report-link-passwd" / "report.yaml").unlink()
    (folder / "report-link-passwd" / "report.yaml").symlink_to("/etc/passwd")
    os.mkfifo(folder / "chapter-fifo" / "10-one.yaml")
    (folder / "chapter-folder" / "10-one.yaml").mkdir()
    os.mkfifo(folder / "image-fifo" / "pipe.png")
    (folder / "image-fifo" / "10-one.yaml").write_text(chapter("{figure: pipe.png, alt: A pipe.}"), encoding="utf-8")
    (folder / "image-folder" / "images").mkdir()
    (folder / "image-folder" / "10-one.yaml").write_text(chapter("{figure: images, alt: A folder.}"),
                                                         encoding="utf-8")
    (folder / "reserved-id" / "10-one.yaml").write_text("id: contents-title\n" + chapter("x"), encoding="utf-8")
    return folders


class Watch:
    """Every file Python opens and every connection it tries, from the moment it is installed."""

    def __init__(self) -> None:
        self.opened: set[str] = set()  # opened to read (or to list, for a folder)
        self.created: set[str] = set()  # opened to write
        self.connects: list[str] = []

    def install(self) -> None:
        sys.addaudithook(self.hook)

        def refuse(*args: object, **kwargs: object) -> None:
            self.connects.append(repr(args[1:] if args else kwargs)[:200])
            raise OSError("network disabled by the test")

        socket.socket.connect = refuse  # type: ignore[method-assign]
        socket.socket.connect_ex = refuse  # type: ignore[method-assign]
        socket.create_connection = refuse  # type: ignore[assignment]

    def hook(self, event: str, args: tuple) -> None:
        if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            path = os.path.realpath(os.path.abspath(os.fsdecode(args[0])))
            mode, flags = (*args, None, 0)[1:3]
            writes = any(c in (mode or "") for c in "wax+") or (flags or 0) & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
            (self.created if writes else self.opened).add(path)
        elif event in ("socket.connect", "socket.getaddrinfo", "urllib.Request"):
            if event == "urllib.Request" and str(args[0]).startswith("data:"):
                return  # a chart's SVG, given to the engine inline: urllib decodes it, nothing is fetched
            self.connects.append(f"{event} {args!r}"[:200])


def run(folder: Path) -> dict:
    watch = Watch()
    watch.install()
    from folio import typeset  # imported after the hook, so that its own opens are seen too
    from folio.cli import main
    from folio.errors import BuildError

    results = {}
    for content in write_all(folder):
        out, err = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        code = main(["--content", str(content), "-o", str(folder / "out" / f"{content.name}.pdf")], out, err)
        results[content.name] = {"code": code, "err": err.getvalue(), "seconds": time.perf_counter() - started}
    project = folder / "project"
    (project / "outside-target").mkdir(parents=True, exist_ok=True)
    os.symlink("/etc/passwd", project / "out-link.png")
    os.symlink("/etc/passwd", project / "out-link.css")
    for files in IMAGES.values():
        for file, image in files.items():
            (project / file).write_bytes(image)
    for name, html in HTML.items():
        try:
            laid = typeset.layout(f"<html lang=en><body><p>x</p>{html}", project.as_uri() + "/", (project,))
            typeset.pdf_bytes(laid)
            results[f"html:{name}"] = {"code": 0, "err": ""}
        except BuildError as exc:
            results[f"html:{name}"] = {"code": 1, "err": str(exc)}
    return {"opened": sorted(watch.opened), "created": sorted(watch.created), "connects": watch.connects,
            "results": results}


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1])), indent=1))
