"""folio/images.py: every image is opened and vetted before the engine sees it (issues 17 and 18).

Each test is bounded in time by itself (signal.alarm): a bomb that is not refused
fails the test in seconds instead of running for minutes.
"""

from __future__ import annotations

import base64
import signal
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from folio import images
from folio.images import ImageError, vet

from .conftest import run_cli, write_report
from .hostile import photo, png, svg, use_bomb


@pytest.fixture(autouse=True)
def bounded() -> Iterator[None]:
    def late(*_: object) -> None:
        raise TimeoutError("took more than 20 s: the input was not refused in time")

    old = signal.signal(signal.SIGALRM, late)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    content.mkdir()
    (tmp_path / "outside.png").write_bytes(photo("png"))
    return content


def refusal(folder: Path, name: str, data: bytes) -> str:
    """The message vet gives for `data` saved as `name` in `folder`; '' when it passes."""
    path = folder / name
    path.write_bytes(data)
    try:
        vet(path, (folder,), name)
    except ImageError as exc:
        assert exc.hint
        return exc.message
    return ""


# ---------------------------------------------------------------- PNG and JPEG


@pytest.mark.parametrize("kind", ["png", "jpeg"])
def test_a_whole_image_passes_and_a_cut_one_is_refused(folder: Path, kind: str) -> None:
    data = photo(kind)
    assert refusal(folder, f"whole.{kind}", data) == ""
    assert refusal(folder, f"cut.{kind}", data[: len(data) // 2]) == (
        f"'cut.{kind}' does not decode completely: the file is damaged or cut short")


def test_a_cut_image_is_refused_even_after_the_engine_is_imported(folder: Path) -> None:
    from PIL import ImageFile

    from folio import typeset  # noqa: F401  (WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES on import)

    assert ImageFile.LOAD_TRUNCATED_IMAGES
    assert "does not decode completely" in refusal(folder, "cut.png", photo("png")[:-500])
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # left as the engine set it


def test_too_many_pixels_are_refused_from_the_header_without_a_warning(folder: Path) -> None:
    data = png(11_000, 11_000, bits=1, colour=0)  # 14 KB; 121 megapixels, under Pillow's own error limit
    assert len(data) < 20_000
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        message = refusal(folder, "big.png", data)
    assert message == "'big.png' is 11000 x 11000 pixels (121.0 megapixels); the limit is 50 megapixels"
    assert caught == []  # no DecompressionBombWarning, nor any other
    assert time.perf_counter() - started < 1  # nothing decoded


def test_the_decoded_size_is_bounded(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "MAX_DECODED_BYTES", 10 * 2**20)
    assert refusal(folder, "wide.png", png(2000, 2000)) == (
        "'wide.png' takes 15 MB once decoded (2000 x 2000, RGB); the limit is 10 MB")
    assert refusal(folder, "grey.png", png(2000, 2000, colour=0)) == ""  # 1 byte a pixel: 4 MB


def test_a_damaged_png_is_refused(folder: Path) -> None:
    data = bytearray(png(64, 64))
    data[40:48] = b"\xff" * 8  # inside IDAT's compressed stream
    assert refusal(folder, "bad.png", bytes(data)).startswith("'bad.png' ")


def test_an_image_changed_on_disk_is_vetted_again(folder: Path) -> None:
    path = folder / "a.png"
    path.write_bytes(photo("png"))
    vet(path, (folder,))
    path.write_bytes(photo("png")[:-3000])
    with pytest.raises(ImageError, match="does not decode completely"):
        vet(path, (folder,))


# ---------------------------------------------------------------- SVG: references


OUTSIDE_HINT = "an SVG may refer only to its own parts (#id)"


@pytest.mark.parametrize(("body", "message"), [
    ('<image xlink:href="file:///etc/passwd" width="5" height="5"/>', "refers to 'file:///etc/passwd' in <image>"),
    ('<image href="/etc/passwd"/>', "refers to '/etc/passwd' in <image>"),
    ('<image href="http://127.0.0.1:9/x.png"/>', "refers to 'http://127.0.0.1:9/x.png' in <image>"),
    ('<image href="../outside.png"/>', "has an <image> of '../outside.png': it is outside the project"),
    ('<use href="file:///etc/passwd#x"/>', "refers to 'file:///etc/passwd#x' in <use>"),
    ('<use xlink:href="other.svg#x"/>', "refers to 'other.svg#x' in <use>"),
    ('<rect fill="url(file:///etc/passwd#g)"/>', "refers to 'file:///etc/passwd#g' in fill='url(file:///etc/passwd#g)'"),
    ('<rect style="fill: url(\'/etc/passwd\')"/>', "refers to '/etc/passwd' in style="),
    ("<style>rect { fill: url(http://example.org/g) }</style>", "refers to 'http://example.org/g' in its <style>"),
    ("<style>@font-face { font-family: X; src: url(file:///usr/share/fonts/x.ttf) }</style>",
     "refers to 'file:///usr/share/fonts/x.ttf' in its <style>"),
    ("<style>@import url(more.css);</style>", "imports a stylesheet (@import) in its <style>"),
    ('<style>@import "file:///etc/passwd";</style>', "imports a stylesheet (@import) in its <style>"),
    ("<style>@\\69mport 'x.css';</style>", "imports a stylesheet (@import) in its <style>"),  # a CSS escape
    ("<style><![CDATA[@IMPORT url(x.css);]]></style>", "imports a stylesheet (@import) in its <style>"),
    ('<g xml:base="file:///etc/"><image href="passwd"/></g>', "sets xml:base='file:///etc/'"),
    ('<a href="file:///etc/passwd"><text>x</text></a>', "refers to 'file:///etc/passwd' in <a>"),
])
def test_svg_references_outside_are_refused(folder: Path, body: str, message: str) -> None:
    found = refusal(folder, "x.svg", svg(body))
    assert found.startswith(f"'x.svg' (line 1 of the SVG) {message}"), found


@pytest.mark.parametrize(("text", "message"), [
    ('<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
     '<svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
     "(line 2 of the SVG) declares an external entity ('x', 'file:///etc/passwd')"),
    ('<?xml version="1.0"?>\n<!DOCTYPE svg [\n<!ENTITY a "aaaaaaaa">\n<!ENTITY b "&a;&a;&a;&a;&a;">\n]>\n'
     '<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>',
     "(line 4 of the SVG) declares an entity ('b') made of other entities or over 1,024 characters"),
    ('<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>\n'
     '<svg xmlns="http://www.w3.org/2000/svg"/>',
     "(line 2 of the SVG) declares an external entity ('p', 'file:///etc/passwd')"),
    ('<?xml version="1.0"?>\n<?xml-stylesheet href="file:///etc/passwd"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
     "(line 2 of the SVG) links a stylesheet (<?xml-stylesheet?>)"),
    ('<?xml version="1.0"?>\n<!DOCTYPE svg SYSTEM "svg11.dtd">\n<svg xmlns="http://www.w3.org/2000/svg">\n'
     '<text>&mdash;</text></svg>',
     "(line 4 of the SVG) uses an entity it does not declare (&mdash;)"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>',
     "is not well-formed XML: mismatched tag (line 1, column 49 of the SVG)"),
])
def test_svg_doctypes_stylesheets_and_broken_xml(folder: Path, text: str, message: str) -> None:
    assert refusal(folder, "x.svg", text.encode()) == f"'x.svg' {message}"


def test_what_an_svg_may_refer_to(folder: Path) -> None:
    (folder / "pics").mkdir()
    (folder / "pics" / "dot.png").write_bytes(photo("png"))
    inline = base64.b64encode(photo("jpeg")).decode()
    body = ('<defs><linearGradient id="g"><stop offset="0"/></linearGradient><rect id="r" width="1" height="1"/>'
            '</defs><use href="#r"/><use xlink:href="#r"/><rect fill="url(#g)" style="stroke: url(\'#g\')"/>'
            '<image href="pics/dot.png" width="2" height="2"/>'
            f'<image xlink:href="data:image/jpeg;base64,{inline}" width="2" height="2"/>'
            '<a href="https://example.org/"><text>link</text></a><style>rect { fill: url(#g) }</style>'
            '<use href=""/><rect fill="url()"/>')  # empty: names nothing
    assert refusal(folder, "ok.svg", svg(body)) == ""
    plain = '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" ' \
            '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg xmlns="http://www.w3.org/2000/svg"/>'
    assert refusal(folder, "doctype.svg", plain.encode()) == ""  # named, never fetched
    illustrator = ('<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
                   '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [\n'
                   '\t<!ENTITY ns_svg "http://www.w3.org/2000/svg">\n]>\n<svg xmlns="&ns_svg;"><rect/></svg>')
    assert refusal(folder, "illustrator.svg", illustrator.encode()) == ""  # plain text entities


def test_an_svg_image_is_vetted_as_a_figure_is(folder: Path) -> None:
    (folder / "cut.png").write_bytes(photo("png")[:-2000])
    assert refusal(folder, "a.svg", svg('<image href="cut.png"/>')) == (
        "'a.svg' (line 1 of the SVG) has an <image> of 'cut.png' that does not decode completely: the file is "
        "damaged or cut short")
    cut = base64.b64encode(photo("png")[:-2000]).decode()
    assert refusal(folder, "b.svg", svg(f'<image href="data:image/png;base64,{cut}"/>')) == (
        "'b.svg' (line 1 of the SVG) has an <image> (a data: URL) that does not decode completely: the file is "
        "damaged or cut short")
    (folder / "pics").mkdir()
    assert refusal(folder, "pics/e.svg", svg('<image href="pics/cut.png"/>')) == (
        "'pics/e.svg' (line 1 of the SVG) has an <image> of 'pics/cut.png': no such file (a path in an SVG starts "
        "from the SVG's own folder)")
    (folder / "c.svg").write_bytes(svg(""))
    assert "which is not a PNG or JPEG image" in refusal(folder, "d.svg", svg('<image href="c.svg"/>'))


# ---------------------------------------------------------------- SVG: bounded work


def test_a_use_bomb_is_refused_in_a_moment(folder: Path) -> None:
    data = use_bomb()  # 8 levels of ten <use>: 10**8 rectangles
    assert len(data) < 2000
    started = time.perf_counter()
    assert refusal(folder, "bomb.svg", data) == (
        "'bomb.svg' expands to more than 100,000 elements once its references (<use> or url(#id)) are drawn, "
        "from <g> at line 1; the limit is 100,000")
    assert time.perf_counter() - started < 1


def test_expansion_is_counted_exactly_around_the_limit(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # use_bomb(4): <g id=l0> holds a rect (2); each <use> of l(i) is 1 + l(i); l(i) = 1 + 10 uses of l(i-1);
    # <defs> holds l0..l4; the root <svg> holds <defs> and one <use> of l4.
    group = [2]
    for _ in range(4):
        group.append(1 + 10 * (1 + group[-1]))
    expanded = 1 + (1 + sum(group)) + (1 + group[-1])
    assert expanded == 68_020
    monkeypatch.setattr(images, "MAX_SVG_ELEMENTS", expanded)
    assert refusal(folder, "ok.svg", use_bomb(4)) == ""
    monkeypatch.setattr(images, "MAX_SVG_ELEMENTS", expanded - 1)
    assert "expands to more than 68,019 elements" in refusal(folder, "big.svg", use_bomb(4))


def test_fill_patterns_count_as_references(folder: Path) -> None:
    patterns = ['<pattern id="p0"><rect width="1" height="1"/></pattern>'] + [
        f'<pattern id="p{i}">' + f'<rect width="1" height="1" fill="url(#p{i - 1})"/>' * 10 + "</pattern>"
        for i in range(1, 8)]
    body = "<defs>" + "".join(patterns) + '</defs><rect width="5" height="5" fill="url(#p7)"/>'
    assert "expands to more than 100,000 elements" in refusal(folder, "p.svg", svg(body))


def test_reference_depth_is_bounded(folder: Path) -> None:
    def chain(length: int) -> bytes:
        links = ['<rect id="u0" width="1" height="1"/>'] + [f'<use id="u{i}" href="#u{i - 1}"/>'
                                                             for i in range(1, length + 1)]
        return svg("<defs>" + "".join(links) + "</defs>")

    assert refusal(folder, "sixteen.svg", chain(16)) == ""
    assert refusal(folder, "seventeen.svg", chain(17)) == (
        "'seventeen.svg' nests references (<use> or url(#id)) more than 16 deep, from <use> at line 1; the limit is 16")


def test_a_reference_loop_is_refused(folder: Path) -> None:
    assert refusal(folder, "self.svg", svg('<g id="a"><use href="#a"/></g>')) == (
        "'self.svg' refers to itself in a loop: <g> at line 1 is drawn inside itself")
    assert "in a loop" in refusal(folder, "pair.svg", svg('<use id="a" href="#b"/><use id="b" href="#a"/>'))


def test_element_count_and_nesting_are_bounded_while_parsing(folder: Path) -> None:
    many = svg('<rect width="1" height="1"/>' * 100_001)
    assert "has more than 100,000 elements; the limit is 100,000" in refusal(folder, "many.svg", many)
    deep = svg("<g>" * 200 + "</g>" * 200)  # 201 with the root <svg>
    assert "nests elements more than 200 deep; the limit is 200" in refusal(folder, "deep.svg", deep)
    assert refusal(folder, "fine.svg", svg("<g>" * 199 + "</g>" * 199)) == ""


def test_nesting_is_counted_through_references(folder: Path) -> None:
    """Each <use> draws its target inside itself: 20 groups 20 deep, each using the next, nest 400 deep."""
    groups = "".join(f'<g id="g{i}">' + "<g>" * 19 + (f'<use href="#g{i + 1}"/>' if i < 14 else "") + "</g>" * 20
                     for i in range(15))
    assert refusal(folder, "deep.svg", svg(f"<defs>{groups}</defs>")) == (
        "'deep.svg' nests elements more than 200 deep once its references (<use> or url(#id)) are drawn, "
        "from <g> at line 1; the limit is 200")


# ---------------------------------------------------------------- --check and the build refuse the same


CHECK_CASES = {
    "cut.png": photo("png")[:-2000],
    "cut.jpg": photo("jpeg")[:-2000],
    "big.png": png(11_000, 11_000, bits=1, colour=0),
    "bomb.svg": use_bomb(),
    "import.svg": svg("<style>@import url(more.css);</style>"),
    "outside.svg": svg('<image xlink:href="file:///etc/passwd" width="5" height="5"/>'),
}


def test_check_and_build_refuse_the_same_images_at_their_figures(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    blocks = "".join(f"      - figure: {name}\n        alt: A picture.\n" for name in CHECK_CASES)
    write_report(tmp_path / "content", chapters={
        "10-one.yaml": f"title: One\nsections:\n  - title: A\n    blocks:\n{blocks}"})
    for name, data in CHECK_CASES.items():
        (tmp_path / "content" / name).write_bytes(data)
    (tmp_path / "out.pdf").write_bytes(b"%PDF old")
    check = run_cli("--content", "content", "--check")
    build = run_cli("--content", "content", "-o", "out.pdf")
    assert check.code == build.code == 1
    assert check.err.endswith("6 errors; nothing written (--check).\n"), check.err
    assert build.err == check.err.replace("nothing written (--check)", "no PDF written (the last one is unchanged)")
    for line, name in zip(range(5, 17, 2), CHECK_CASES, strict=True):
        assert f"content/10-one.yaml:{line}:17: error: sections[0].blocks[{(line - 5) // 2}].figure: '{name}' " \
               in check.err
    assert "Traceback" not in build.err and "Warning" not in build.err
    assert (tmp_path / "out.pdf").read_bytes() == b"%PDF old"


def test_the_example_images_pass(tmp_path: Path) -> None:
    from .conftest import ROOT

    found = ROOT / "examples" / "briefing"
    for path in sorted((found / "images").iterdir()):
        vet(path, (found,))


def test_pillow_warnings_never_escape(folder: Path) -> None:
    """Pillow warns (DecompressionBombWarning) above 89 megapixels when it opens a file: vet silences it."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "megapixels" in refusal(folder, "big.png", png(10_000, 9_500, bits=1, colour=0))


def test_a_warm_rebuild_vets_an_image_changed_since_its_chapter_was_read(tmp_path: Path) -> None:
    """--watch keeps unchanged chapters; an image saved again is vetted again, at its figure."""
    from folio import pipeline
    from folio.errors import ContentError

    content = write_report(tmp_path / "content", chapters={
        "10-one.yaml": "title: One\nsections:\n  - title: A\n    blocks:\n      - figure: a.png\n        alt: A.\n"})
    image = content / "a.png"
    image.write_bytes(photo("png"))
    warm = pipeline.Warm()
    pipeline.prepare(content, warm=warm)
    image.write_bytes(photo("png")[:-2000])
    warm.forget([image])  # what --watch does with a saved file
    with pytest.raises(ContentError) as caught:
        pipeline.prepare(content, warm=warm)
    assert [(p.position.line, p.position.column, p.message) for p in caught.value.problems] == [
        (5, 17, "'a.png' does not decode completely: the file is damaged or cut short")]


def test_an_svg_is_vetted_again_when_a_picture_it_includes_changes(folder: Path) -> None:
    """The verdict on an SVG depends on the files its <image> elements name: cut, mended, missing, added."""
    picture, drawing = folder / "pic.png", folder / "a.svg"
    drawing.write_bytes(svg('<image href="pic.png"/>'))
    picture.write_bytes(photo("png")[:-2000])
    with pytest.raises(ImageError, match="does not decode completely"):
        vet(drawing, (folder,))
    picture.write_bytes(photo("png"))  # mended: the SVG itself is unchanged
    vet(drawing, (folder,))
    picture.write_bytes(photo("png")[:-2000])  # cut again
    with pytest.raises(ImageError, match="does not decode completely"):
        vet(drawing, (folder,))
    picture.unlink()
    with pytest.raises(ImageError, match="no such file"):
        vet(drawing, (folder,))
    picture.write_bytes(photo("png"))  # added
    vet(drawing, (folder,))


def test_a_warm_rebuild_drops_a_refusal_when_the_svgs_picture_is_mended(tmp_path: Path) -> None:
    """--watch: saving the picture an SVG includes is all it takes; the SVG need not be saved again."""
    from folio import pipeline
    from folio.errors import ContentError

    content = write_report(tmp_path / "content", chapters={
        "10-one.yaml": "title: One\nsections:\n  - title: A\n    blocks:\n      - figure: a.svg\n        alt: A.\n"})
    (content / "a.svg").write_bytes(svg('<image href="pic.png"/>'))
    picture = content / "pic.png"
    picture.write_bytes(photo("png")[:-2000])
    warm = pipeline.Warm()
    with pytest.raises(ContentError):
        pipeline.prepare(content, warm=warm)
    picture.write_bytes(photo("png"))
    warm.forget([picture])
    pipeline.prepare(content, warm=warm)


def test_an_svg_figure_is_vetted_once_per_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Validation and the fetcher vet with the same roots, so the fetcher takes validation's verdict."""
    from folio import pipeline

    content = write_report(tmp_path / "content", chapters={
        "10-one.yaml": "title: One\nsections:\n  - title: A\n    blocks:\n      - figure: a.svg\n        alt: A.\n"})
    (content / "a.svg").write_bytes(svg('<rect width="5" height="5"/>'))
    vetted: list[str] = []
    real = images._vet_file

    def counted(path: str, roots: tuple[Path, ...], name: str) -> tuple:
        vetted.append(path)
        return real(path, roots, name)

    monkeypatch.setattr(images, "_vet_file", counted)
    pipeline.build(content, pipeline.BuildOptions(output=tmp_path / "out" / "r.pdf"))
    assert vetted.count(str((content / "a.svg").resolve())) == 1, vetted
