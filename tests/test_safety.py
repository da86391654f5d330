"""Nothing outside the project is read, no connection is opened, content is only ever text,
and every engine complaint fails the build with its source named."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from folio.paths import Refused, project_file

from .conftest import ROOT, run_cli, write_report
from .pdftools import page_texts

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


# ---------------------------------------------------------------- one rule for every path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "images").mkdir(parents=True)
    (root / "images" / "dot.png").write_bytes(PNG)
    (root / "notes.txt").write_text("not an image")
    (tmp_path / "secret.txt").write_text("secret")
    (root / "images" / "out.png").symlink_to(tmp_path / "secret.txt")
    (root / "images" / "in.png").symlink_to(root / "images" / "dot.png")
    return root


@pytest.mark.parametrize(("name", "why"), [
    ("file:///etc/passwd", "it is outside the project"),
    ("/etc/passwd", "an absolute path; name the file relative to the folder it is used from"),
    ("../secret.txt", "it is outside the project"),
    ("images/../../secret.txt", "it is outside the project"),
    ("images/out.png", "a symbolic link pointing outside the project"),
    ("http://127.0.0.1/x.png", "http addresses are not fetched; only files inside the project can be used"),
    ("https://example.org/x.png", "https addresses are not fetched; only files inside the project can be used"),
    ("//example.org/x.png", "network addresses are not fetched; only files inside the project can be used"),
    ("ftp://example.org/x.png", "ftp addresses are not fetched; only files inside the project can be used"),
    ("file://host/share/x.png", "a file on another machine (host) cannot be used"),
    ("images/missing.png", "no such file"),
    ("images", "a folder, not a file"),
])
def test_project_file_refuses(project: Path, name: str, why: str) -> None:
    with pytest.raises(Refused) as caught:
        project_file(name, project, (project,))
    assert str(caught.value) == why


def test_project_file_serves_files_inside(project: Path) -> None:
    assert project_file("images/dot.png", project, (project,)) == project / "images" / "dot.png"
    assert project_file("images/in.png", project, (project,)) == project / "images" / "dot.png"
    assert project_file((project / "notes.txt").as_uri(), project, (project,)) == project / "notes.txt"


# ---------------------------------------------------------------- the fetcher, through WeasyPrint


def layout_error(project: Path, body: str, write: bool = False) -> str:
    from folio import typeset
    from folio.errors import BuildError

    try:
        laid = typeset.layout(f"<html lang=en><body><p>x</p>{body}", project.as_uri() + "/", (project,))
        if write:
            typeset.pdf_bytes(laid)
    except BuildError as exc:
        return str(exc)
    return ""


LAYOUT = "the layout engine reported 1 problem while laying out the pages:\n  "


@pytest.mark.parametrize(("body", "message"), [
    ('<img src="file:///etc/passwd">', "image /etc/passwd: refused: it is outside the project"),
    ('<img src="/etc/passwd">', "image /etc/passwd: refused: it is outside the project"),
    ('<img src="../secret.txt">', "image {tmp}/secret.txt: refused: it is outside the project"),
    ('<img src="images/out.png">',
     "image {tmp}/project/images/out.png: refused: a symbolic link pointing outside the project"),
    ('<img src="http://127.0.0.1:9/x.png">',
     "image http://127.0.0.1:9/x.png: refused: http addresses are not fetched; only files inside the project "
     "can be used"),
    ('<img src="images/missing.png">', "image {tmp}/project/images/missing.png: refused: no such file"),
    ('<img src="notes.txt">', "image {tmp}/project/notes.txt: not an image the engine can read"),
    ("<style>@import url(../secret.txt);</style>",
     "stylesheet {tmp}/secret.txt: refused: it is outside the project"),
    ("<style>p { background: url(file:///etc/passwd) }</style>",
     "image /etc/passwd: refused: it is outside the project"),
    ('<style>@font-face { font-family: X; src: url(http://127.0.0.1:9/f.ttf) } p { font-family: X }</style>',
     "Font-face 'X' cannot be loaded\n"
     "  http://127.0.0.1:9/f.ttf: refused: http addresses are not fetched; only files inside the project can "
     "be used"),
    ("<style>p { colr: red }</style>",
     "the HTML (a <style> element or style attribute):1:5: Ignored `colr: red `, unknown property."),
    ('<a href="#x">x</a><style>a::after { content: target-counter(attr(href), page) }</style>',
     "a link or cross-reference points to an anchor that does not exist: #x"),
])
def test_fetcher_and_engine_messages(project: Path, body: str, message: str) -> None:
    error = layout_error(project, body)
    expected = message.format(tmp=project.parent)
    count = expected.count("\n  ") + 1
    head = f"the layout engine reported {count} problem{'s' if count > 1 else ''} while laying out the pages:\n  "
    assert error == head + expected


def test_ignored_css_names_its_stylesheet_and_line(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    (project / "page.css").write_text("p { color: red }\n\nh1 {\n  colr: blue;\n}\n")
    assert layout_error(project, '<link rel="stylesheet" href="page.css">') == LAYOUT + (
        "page.css:4:3: Ignored `colr: blue`, unknown property.")


def test_attachment_and_unknown_anchor_fail_when_writing(project: Path) -> None:
    head = "the layout engine reported 1 problem while writing the PDF:\n  "
    assert layout_error(project, '<link rel="attachment" href="file:///etc/passwd">', write=True) == (
        head + "attachment: refused: it is outside the project")
    assert layout_error(project, '<a href="#nowhere">x</a>', write=True) == (
        head + "No anchor #nowhere for internal URI reference")


# ---------------------------------------------------------------- templates


@pytest.fixture
def templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the templates that the build uses instead of the project's."""
    import shutil

    from folio import pipeline, render

    folder = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", folder)
    monkeypatch.setattr(pipeline, "environment", lambda: render.environment(folder))
    return folder


def test_template_using_a_field_the_model_lacks(tmp_path: Path, templates: Path, monkeypatch) -> None:
    (templates / "cover.html").write_text('<section class="cover">\n  <p>{{ doc.report.colour }}</p>\n</section>\n')
    monkeypatch.chdir(tmp_path)
    write_report(tmp_path / "content")
    run = run_cli("--content", "content", "--check")
    assert run.code == 1
    assert run.err == (
        "templates/cover.html:2:3: error: template error: 'folio.model.Report object' has no attribute 'colour'\n"
        "  2 |   <p>{{ doc.report.colour }}</p>\n"
        "    |   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "  hint: templates may use only the fields of folio/model.py and the views made in folio/resolve.py\n"
        "1 error; nothing written (--check).\n")


def test_template_syntax_error(tmp_path: Path, templates: Path, monkeypatch) -> None:
    (templates / "cover.html").write_text("<p>\n{% if %}\n</p>\n")
    monkeypatch.chdir(tmp_path)
    write_report(tmp_path / "content")
    run = run_cli("--content", "content", "--check")
    assert run.err == ("templates/cover.html:2:1: error: template error: Expected an expression, got 'end of "
                       "statement block'\n"
                       "  2 | {% if %}\n"
                       "    | ^^^^^^^^\n"
                       "1 error; nothing written (--check).\n")


def test_check_refuses_a_template_naming_a_file_outside(tmp_path: Path, templates: Path, monkeypatch) -> None:
    base = templates / "base.html"
    base.write_text(base.read_text().replace("</head>", '<link rel="stylesheet" href="file:///etc/passwd">\n'
                                                        '<img src="../../etc/hostname"></head>'))
    monkeypatch.chdir(tmp_path)
    write_report(tmp_path / "content")
    run = run_cli("--content", "content", "--check")
    hint = "  hint: templates may only name files inside the project (styles/, the content folder)\n"
    # at the template's line that names it (the templates are copied into tmp_path: see the fixture)
    line = len(base.read_text().split("file:///etc/passwd")[0].splitlines())
    assert f"templates/base.html:{line}:30: error: file:///etc/passwd: it is outside the project\n" in run.err
    assert f"templates/base.html:{line + 1}:11: error: ../../etc/hostname: it is outside the project\n" in run.err
    assert run.err.count(hint) == 2 and "<the rendered HTML>" not in run.err
    assert run.err.endswith("2 errors; nothing written (--check).\n")


def test_check_refuses_a_stylesheet_naming_a_file_outside(tmp_path: Path, monkeypatch) -> None:
    from folio import paths, pipeline

    styles = tmp_path / "project" / "styles"
    styles.mkdir(parents=True)
    (styles / "page.css").write_text('@import "../../secret.css";\np { background: url(/etc/passwd) }\n'
                                     '@import "more.css";\n')
    (styles / "more.css").write_text("@font-face { src: url(file:///usr/share/fonts/x.ttf) }\n")
    monkeypatch.setattr(pipeline, "PROJECT_ROOT", tmp_path / "project")
    monkeypatch.setattr(paths, "PROJECT_ROOT", tmp_path / "project")
    monkeypatch.chdir(tmp_path)
    from folio.errors import BuildError

    html = '<link rel="stylesheet" href="styles/page.css">'
    with pytest.raises(BuildError) as caught:
        pipeline.check_references(html, (styles,))
    assert [(str(p.position), p.message) for p in caught.value.problems] == [
        ("project/styles/page.css:1:10", "../../secret.css: it is outside the project"),
        ("project/styles/page.css:2:21",
         "/etc/passwd: an absolute path; name the file relative to the folder it is used from"),
        ("project/styles/more.css:1:23", "file:///usr/share/fonts/x.ttf: it is outside the project"),
    ]


def test_check_vets_the_images_a_stylesheet_names_as_the_build_does(tmp_path: Path, monkeypatch) -> None:
    import io

    from PIL import Image

    from folio import paths, pipeline
    from folio.errors import BuildError

    styles = tmp_path / "project" / "styles"
    styles.mkdir(parents=True)
    picture = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(picture, "PNG")
    (styles / "cut.png").write_bytes(picture.getvalue()[:-40])  # cut short: its pixels never end
    (styles / "whole.png").write_bytes(picture.getvalue())
    (styles / "import.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">'
                                       "<style>@import url(more.css);</style></svg>")
    (styles / "page.css").write_text("p { background: url(whole.png) }\nh1 { background: url(cut.png) }\n"
                                     'h2 { background: url("import.svg") }\n')
    monkeypatch.setattr(pipeline, "PROJECT_ROOT", tmp_path / "project")
    monkeypatch.setattr(paths, "PROJECT_ROOT", tmp_path / "project")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BuildError) as caught:
        pipeline.check_references('<link rel="stylesheet" href="styles/page.css">', (styles,))
    assert [(str(p.position), p.message) for p in caught.value.problems] == [
        ("project/styles/page.css:2:22", "cut.png: does not decode completely: the file is damaged or cut short"),
        ("project/styles/page.css:3:23",
         "import.svg: (line 1 of the SVG) imports a stylesheet (@import) in its <style>"),
    ]


# ---------------------------------------------------------------- --check stays light


def test_check_does_not_import_weasyprint() -> None:
    code = ("import sys; from folio.cli import main; code = main(['--check', '-q']); "
            "print(code, sorted(m for m in sys.modules if m.split('.')[0] in "
            "('weasyprint', 'tinycss2', 'cssselect2')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=60)
    assert done.stdout == "0 []\n", done.stderr


# ---------------------------------------------------------------- content is text


HOSTILE_TEXT = """\
title: One
sections:
  - title: "<b>Bold?</b> {{ title }}"
    id: first
    blocks:
      - '<script>alert(1)</script>'
      - '<img src=file:///etc/passwd>'
      - '{{ 7*7 }} and {% include "base.html" %}'
      - '<link rel=attachment href=/etc/passwd>'
"""


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    write_report(folder / "content", chapters={"10-one.yaml": HOSTILE_TEXT})
    out, html = folder / "out.pdf", folder / "out.html"
    run = run_cli("--content", folder / "content", "-o", out, "--html", html, "-q")
    assert run.code == 0, run.err
    return out, html


def test_html_and_jinja_in_content_are_printed_literally(hostile_build: tuple[Path, Path]) -> None:
    pdf, _ = hostile_build
    text = " ".join(" ".join(page_texts(pdf)).split())
    for literal in ("<script>alert(1)</script>", "<img src=file:///etc/passwd>", "{{ 7*7 }}",
                    "{% include", "<link rel=attachment href=/etc/passwd>", "<b>Bold?</b> {{ title }}"):
        assert literal in text
    assert "49" not in text


def test_html_and_jinja_in_content_are_escaped_in_the_html(hostile_build: tuple[Path, Path]) -> None:
    _, html = hostile_build
    source = html.read_text()
    assert "<script" not in source and "<img" not in source
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in source
    assert "{{ 7*7 }}" in source


# ---------------------------------------------------------------- long words stay inside the margins


LONG = "Pneumono" + "a" * 192
URL = "https://example.org/" + "a-very-long-path-segment/" * 8 + "end"


def test_long_words_and_urls_wrap_inside_the_text_block(tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    chapter = ("title: One\nsections:\n  - title: Long\n    blocks:\n"
               f"      - 'A word of 200 letters: {LONG} and more text after it.'\n"
               f"      - 'A link: [{URL}]({URL}) and one written out: {URL}'\n")
    write_report(tmp_path / "content", chapters={"10-one.yaml": chapter})
    out = tmp_path / "out.pdf"
    run = run_cli("--content", tmp_path / "content", "-o", out, "-q")
    assert run.code == 0, run.err
    mm = 72 / 25.4
    # The text block from styles/page.css: `margin: top outer bottom inner` for a right-hand page, mirrored.
    page_rule = re.search(r"@page\s*\{[^}]*?margin:\s*([\d.]+)mm ([\d.]+)mm ([\d.]+)mm ([\d.]+)mm",
                          (ROOT / "styles" / "page.css").read_text())
    assert page_rule is not None
    top, outer, bottom, inner = (float(v) * mm for v in page_rule.groups())
    doc = pdfium.PdfDocument(str(out))
    try:
        checked = 0
        for index in range(1, len(doc)):  # after the cover; page 1 (index 0) is a right-hand page
            page = doc[index]
            width, height = page.get_size()
            left, right = (inner, width - outer) if index % 2 == 0 else (outer, width - inner)
            text = page.get_textpage()
            for i in range(text.count_chars()):
                x0, y0, x1, y1 = text.get_charbox(i)
                if x1 <= x0 or not (bottom < y0 and y1 < height - top):
                    continue  # spaces, and the running heads and folios in the margins
                assert left - 0.5 <= x0 and x1 <= right + 0.5, (index, text.get_text_range(i, 1), x0, x1)
                checked += 1
        assert checked > 400
    finally:
        doc.close()
    joined = re.sub(r"[\s\u00ad\ufffe\x02\u2010-]", "", "".join(page_texts(out)))  # line breaks undone
    assert LONG in joined
    assert URL.replace("-", "") in joined


# ---------------------------------------------------------------- the whole hostile suite, watched


def allowed_places(tmp: Path) -> list[str]:
    """Where a build may open files; each entry says why."""
    places = [
        str(ROOT),  # the project: folio/, templates/, styles/ (fonts), the tests' own modules
        str(tmp),  # the hostile reports, their outputs, the test project with its symlinks (not their targets)
        sys.prefix,  # the virtual environment: site-packages (WeasyPrint, Pyphen's dictionaries, ...)
        sys.base_prefix,  # the Python installation: the standard library
    ]
    return [os.path.realpath(p) for p in places]


def in_temp(path: str) -> bool:
    """Files the process makes in the temporary folder: WeasyPrint's copies of our fonts for
    fontconfig (in a weasyprint-* folder it removes after), and the probe files that
    ctypes.util.find_library writes when WeasyPrint looks for Pango at import."""
    temp = os.path.realpath(tempfile.gettempdir())
    return os.path.dirname(path) == temp or path.startswith(os.path.join(temp, "weasyprint-"))


# What the C libraries under WeasyPrint open themselves, which Python's audit hook cannot see;
# checked with strace where it is installed. Each entry says who opens it and why.
SYSTEM_PLACES = (
    "/lib/", "/usr/lib/x86_64-linux-gnu/", "/lib64/", "/etc/ld.so.cache",  # shared libraries (Pango, ...)
    "/proc/filesystems",  # read by libmount/libselinux as GLib loads
    "/usr/lib/locale/", "/usr/share/locale/", "/etc/localtime",  # the C library's locale and time zone
    "/usr/lib/ssl/openssl.cnf",  # OpenSSL's configuration, read when Python's ssl module loads
    "/etc/fonts/", "/usr/share/fontconfig/", "/usr/share/fonts", "/usr/local/share/fonts",
    "/var/cache/fontconfig", os.path.expanduser("~/.cache/fontconfig"),  # fontconfig: config, fonts, caches
    # ctypes.util.find_library, which WeasyPrint's import falls back to, runs ldconfig and gcc:
    "/sbin/ldconfig", "/usr/bin/gcc", "/usr/bin/ld", "/usr/lib/gcc/", "/usr/libexec/gcc/",
    "/dev/null", "/dev/urandom",
    "/sys/devices/system/cpu/possible",  # numpy's BLAS counts the processors as it loads (charts: matplotlib)
)


def strace_opens(log: Path) -> tuple[set[str], set[str], list[str]]:
    """Files opened (successfully) to read and to write, and connect calls, from an strace log."""
    read, written, connects = set(), set(), []
    for line in log.read_text(errors="replace").splitlines():
        if " connect(" in line:
            connects.append(line)
        match = re.search(r' open(?:at)?\((?:AT_FDCWD, )?"([^"]*)", ([A-Z_|]+).*= (-?\d+)', line)
        if match and int(match.group(3)) >= 0:
            writes = any(flag in match.group(2) for flag in ("O_WRONLY", "O_RDWR", "O_CREAT"))
            (written if writes else read).add(os.path.normpath(match.group(1)))
    return read, written, connects


def strace_works() -> bool:
    import shutil

    if not shutil.which("strace"):
        return False
    probe = subprocess.run(["strace", "-qq", "-e", "trace=none", "true"], capture_output=True)
    return probe.returncode == 0


SVG_OUTSIDE = "(line 1 of the SVG) refers to '{}' in {}"
IMAGE_ERRORS = {  # report (or html:case) in tests/hostile.py -> what its error says
    "image-truncated": [
        "10-one.yaml:6:18: error: sections[0].blocks[0].figure: 'cut.jpg' does not decode completely",
        "10-one.yaml:7:18: error: sections[0].blocks[1].figure: 'cut.png' does not decode completely"],
    "image-pixels": ["10-one.yaml:6:18: error: sections[0].blocks[0].figure: 'big.png' is 11000 x 11000 pixels "
                     "(121.0 megapixels); the limit is 50 megapixels"],
    "image-use-bomb": ["10-one.yaml:6:18: error: sections[0].blocks[0].figure: 'bomb.svg' expands to more than "
                       "100,000 elements"],
    "image-svg-import": ["'import.svg' (line 1 of the SVG) imports a stylesheet (@import) in its <style>"],
    "image-svg-outside": [
        "'dotdot.svg' (line 1 of the SVG) has an <image> of '../../../../../../etc/passwd': it is outside the project",
        "'fill.svg' " + SVG_OUTSIDE.format("file:///etc/passwd#g", "fill='url(file:///etc/passwd#g)'"),
        "'image.svg' " + SVG_OUTSIDE.format("file:///etc/passwd", "<image>"),
        "'import.svg' (line 1 of the SVG) imports a stylesheet (@import) in its <style>",
        "'use.svg' " + SVG_OUTSIDE.format("file:///etc/passwd#x", "<use>")],
    "html:truncated-image": ["cut.png: refused: does not decode completely"],
    "html:pixels-image": ["big.png: refused: is 11000 x 11000 pixels"],
    "html:use-bomb-image": ["bomb.svg: refused: expands to more than 100,000 elements"],
    "html:svg-import-image": ["import.svg: refused: (line 1 of the SVG) imports a stylesheet"],
    "html:svg-outside-image": ["image.svg: refused: " + SVG_OUTSIDE.format("file:///etc/passwd", "<image>"),
                               "fill.svg: refused: " + SVG_OUTSIDE.format("file:///etc/passwd#g",
                                                                          "fill='url(file:///etc/passwd#g)'")],
}


def test_hostile_suite_opens_nothing_outside_and_connects_nowhere(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "tests.hostile", str(tmp_path / "suite")]
    log = tmp_path / "strace.log"
    traced = strace_works()
    if traced:  # also watch the C libraries' own opens and any connect() at the system level
        command = ["strace", "-f", "-qq", "-e", "trace=open,openat,connect", "-o", str(log), *command]
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["connects"] == []
    places = allowed_places(tmp_path)

    def inside(path: str, extra: tuple[str, ...] = ()) -> bool:
        return any(path == p or path.startswith(p + os.sep) for p in places) or path.startswith(extra)

    temp = os.path.realpath(tempfile.gettempdir())
    weasyprint_temp = os.path.join(temp, "weasyprint-")
    # Read: only the allowed places, /dev/null (find_library's ldconfig reads it as stdin) and
    # the folder of WeasyPrint's own font copies (listed to remove it); nothing else in /tmp.
    assert [p for p in summary["opened"] if not inside(p, (os.devnull, weasyprint_temp))] == []
    # Written: the reports' outputs, and the temporary files above (an anonymous one made in the
    # temporary folder itself, O_TMPFILE), and /dev/null; nothing else.
    assert [p for p in summary["created"] if not (inside(p) or in_temp(p) or p in (temp, os.devnull))] == []
    if traced:
        read, written, connects = strace_opens(log)
        assert connects == []
        # gcc's own temporary files (cc*), find_library's output (tmp*), WeasyPrint's font copies
        compiler_temp = tuple(os.path.join(temp, prefix) for prefix in ("cc", "tmp", "weasyprint-"))
        outside = sorted(p for p in read if not inside(os.path.realpath(p), SYSTEM_PLACES + compiler_temp)
                         and not inside(p, SYSTEM_PLACES + compiler_temp))
        assert outside == []
        # written: besides the above, tempfile's probe of the temporary folder (a random name in it)
        assert sorted(p for p in written if not (inside(p, SYSTEM_PLACES + compiler_temp) or in_temp(p))) == []
        opened = read | written
        assert not {"/etc/passwd", "/etc/hostname", str(tmp_path / "suite" / "secret.txt")} & opened
    assert not Path("/tmp/pwned").exists()
    results = summary["results"]
    built = {name for name, r in results.items() if r["code"] == 0}
    assert built == {"yaml-1.1", "bom-crlf", "html-and-jinja", "long-words", "chart", "http-link", "html:iframe"}
    # issue 17: links out, pipes and folders where files should be, reserved ids; each said as it is
    from .hostile import NOT_PLAIN, SECRET

    assert os.path.realpath(tmp_path / "suite" / "secret.yaml") not in summary["opened"]
    for name, message in NOT_PLAIN.items():
        assert results[name]["code"] == 1 and message in results[name]["err"], (name, results[name]["err"])
    for name, result in results.items():
        assert SECRET.strip() not in result["err"] and "root:" not in result["err"], (name, result["err"])
        assert "Traceback" not in result["err"]
        if name.startswith("html:") and result["code"]:
            assert "refused: " in result["err"], result["err"]
        elif result["code"]:
            assert result["err"].endswith("no PDF written (the last one is unchanged).\n"), result["err"]
    # Images (issues 17 and 18): each refused at its figure's line, naming the file, in a moment.
    for name, messages in IMAGE_ERRORS.items():
        for message in messages:
            assert message in results[name]["err"], results[name]["err"]
        if not name.startswith("html:"):
            assert results[name]["err"].count(": error: ") == len(messages), results[name]["err"]
            assert results[name]["seconds"] < 30, results[name]


# ---------------------------------------------------------------- image paths in content


def test_a_character_no_font_has_fails_the_build_where_it_is_written(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    chapter = "title: One\nsections:\n  - title: A\n    blocks:\n      - A private \ue000 character.\n"
    write_report(tmp_path / "content", chapters={"10-one.yaml": chapter})
    (tmp_path / "out.pdf").write_bytes(b"%PDF old")
    run = run_cli("--content", "content", "-o", "out.pdf")
    assert run.code == 1
    assert run.err == ("content/10-one.yaml:5:19: error: no font of the report has the character U+E000 "
                       "(a private-use character)\n"
                       "  5 |       - A private \ue000 character.\n"
                       "    |                   ^\n"
                       "  hint: write the text another way, or add a font made for it to report.yaml under 'fonts:' "
                       "(see the README, \"Fonts\")\n"
                       "1 error; no PDF written (the last one is unchanged).\n")
    assert (tmp_path / "out.pdf").read_bytes() == b"%PDF old"


# ---------------------------------------------------------------- content files: the images' rule (issue 17)


def test_a_chapter_linked_from_outside_is_refused_at_its_entry(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    report = ("title: Test Report\nissuer: Test Mission\ndate: 2021-02-09\n"
              "chapters:\n  - 10-one.yaml\n  - 20-two.yaml\n")
    content = write_report(tmp_path / "content", report, {})
    (content / "drafts").mkdir()
    (content / "drafts" / "two.yaml").write_text("title: Two\nblocks: [x]\n")
    (tmp_path / "outside.yaml").write_text("title: Outside\nblocks: [a secret paragraph]\n")
    (content / "10-one.yaml").symlink_to(tmp_path / "outside.yaml")
    (content / "20-two.yaml").symlink_to("drafts/two.yaml")  # a link inside the folder is fine
    run = run_cli("--content", "content", "--check")
    assert (run.code, run.err) == (1, (
        "content/report.yaml:5:5: error: chapters[0]: '10-one.yaml' is a symbolic link to a file outside the "
        "content folder\n"
        "  5 |   - 10-one.yaml\n"
        "    |     ^^^^^^^^^^^\n"
        "  hint: put the file itself in the content folder: folio reads nothing outside the project\n"
        "1 error; nothing written (--check).\n"))


def test_report_yaml_linked_to_a_system_file_is_never_opened(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "report.yaml").symlink_to("/etc/passwd")
    opened: list[str] = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda path, *args, **kw: opened.append(os.fspath(path)) or real_open(path, *args,
                                                                                                            **kw))
    run = run_cli("--content", "content", "--check")
    assert (run.code, run.err) == (1, (
        "content/report.yaml: error: report.yaml is a symbolic link to a file outside the content folder\n"
        "  hint: put the file itself in the content folder: folio reads nothing outside the project\n"
        "1 error; nothing written (--check).\n"))
    assert not [path for path in opened if "report.yaml" in path or "passwd" in path]


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_something_that_is_no_file_where_a_chapter_should_be(tmp_path: Path, monkeypatch, kind: str) -> None:
    monkeypatch.chdir(tmp_path)
    content = write_report(tmp_path / "content", chapters={})
    if kind == "fifo":
        os.mkfifo(content / "10-one.yaml")  # opening it to read would wait for a writer forever
    else:
        (content / "10-one.yaml").mkdir()
    what = "a named pipe (FIFO), not a file" if kind == "fifo" else "a folder, not a file"
    done = subprocess.run([sys.executable, "-c", "import sys; from folio.cli import main; "
                           "raise SystemExit(main(['--content', 'content', '--check']))"],
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stderr) == (1, (
        f"content/report.yaml:6:5: error: chapters[0]: '10-one.yaml' is {what}\n"
        "  6 |   - 10-one.yaml\n"
        "    |     ^^^^^^^^^^^\n"
        "  hint: a chapter is a YAML file beside report.yaml\n"
        "1 error; nothing written (--check).\n"))


def test_a_pipe_swapped_in_after_the_check_is_never_waited_on(tmp_path: Path) -> None:
    from folio.errors import Problems
    from folio.source import load_file

    os.mkfifo(tmp_path / "10-one.yaml")
    problems = Problems()
    assert load_file(tmp_path / "10-one.yaml", problems) is None  # returns at once: opened without blocking
    assert [p.message for p in problems.items] == ["not a regular file (a folder, a named pipe or a device?)"]
