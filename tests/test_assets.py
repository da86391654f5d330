"""folio/assets.py: a path written in content is a file inside the report's folder, or refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from folio.assets import AssetError, content_file, image_kind

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 16
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    (content / "images").mkdir(parents=True)
    (content / "images" / "a.png").write_bytes(PNG)
    (content / "b.jpg").write_bytes(JPEG)
    (content / "c.svg").write_bytes(SVG)
    (content / "notes.txt").write_text("not an image")
    (content / "fake.png").write_text("<html>not a png</html>")
    (tmp_path / "outside.png").write_bytes(PNG)
    return content


def test_images_inside_the_folder_are_found(folder: Path) -> None:
    assert content_file(folder, "images/a.png") == (folder / "images" / "a.png").resolve()
    assert content_file(folder, "b.jpg").name == "b.jpg"
    assert content_file(folder, "c.svg").name == "c.svg"
    assert [image_kind(folder / n) for n in ("images/a.png", "b.jpg", "c.svg", "notes.txt")] == [
        "png", "jpeg", "svg", ""]


@pytest.mark.parametrize(("name", "message"), [
    ("/etc/hostname", "is an absolute path"),
    ("~/x.png", "is an absolute path"),
    ("https://example.org/a.png", "is a URL"),
    ("file:///etc/hostname", "is a URL"),
    ("data:image/png;base64,AAAA", "is a URL"),
    ("../outside.png", "climbs out of the report's folder"),
    ("images/../../outside.png", "climbs out of the report's folder"),
    ("images/missing.png", "no file 'images/missing.png'"),
    ("notes.txt", "is not an image"),
    ("fake.png", "is not an image"),
    ("images", "'images' is a folder, not a file"),
    ("", "is not a file name"),
])
def test_refused_paths_say_why(folder: Path, name: str, message: str) -> None:
    with pytest.raises(AssetError) as caught:
        content_file(folder, name)
    assert message in caught.value.message
    assert caught.value.hint


def test_a_symlink_out_of_the_folder_is_refused(folder: Path) -> None:
    os.symlink(folder.parent / "outside.png", folder / "link.png")
    with pytest.raises(AssetError, match="leads out of the report's folder"):
        content_file(folder, "link.png")


def test_a_symlink_inside_the_folder_is_fine(folder: Path) -> None:
    os.symlink(folder / "images" / "a.png", folder / "same.png")
    assert content_file(folder, "same.png") == (folder / "images" / "a.png").resolve()


def test_kinds_limit_the_formats(folder: Path) -> None:
    with pytest.raises(AssetError, match="is an SVG image; expected PNG"):
        content_file(folder, "c.svg", kinds=("png",))
    assert content_file(folder, "notes.txt", kinds=None).name == "notes.txt"
