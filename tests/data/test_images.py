import numpy as np
import pytest
from PIL import Image

from dlspec.data.images import EIGHT_BIT_MODES, check_eight_bit, open_image
from dlspec.data.paths import CorruptDataError


def test_open_image_decodes_and_closes_the_file(tmp_path):
    path = tmp_path / "rgba.png"
    Image.fromarray(np.full((3, 4, 4), 7, np.uint8)).save(path)
    image = open_image(path)
    assert image.mode == "RGBA" and image.size == (4, 3)
    path.unlink()  # the file is not held open
    assert np.asarray(image)[0, 0, 0] == 7


def test_missing_and_unreadable_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nobody.jpg"):
        open_image(tmp_path / "nobody.jpg")
    (tmp_path / "fake.jpg").write_bytes(b"not an image")
    with pytest.raises(CorruptDataError, match="fake.jpg is not a readable image"):
        open_image(tmp_path / "fake.jpg")
    truncated = tmp_path / "cut.png"
    Image.new("RGB", (64, 64), "red").save(tmp_path / "whole.png")
    truncated.write_bytes((tmp_path / "whole.png").read_bytes()[:60])
    with pytest.raises(CorruptDataError, match="cut.png"):
        open_image(truncated)


@pytest.mark.parametrize("mode", ["I;16", "I", "F"])
def test_deep_images_are_refused_with_their_mode(mode):
    with pytest.raises(ValueError, match=f"'{mode}' \\(16-bit or floating point\\)"):
        check_eight_bit(Image.new(mode, (2, 2)), "x.png")


def test_eight_bit_images_pass_unchanged():
    for mode in EIGHT_BIT_MODES - {"La", "PA"}:  # Pillow cannot create these two directly
        image = Image.new(mode, (2, 2))
        assert check_eight_bit(image) is image
