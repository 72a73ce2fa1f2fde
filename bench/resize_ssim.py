"""SSIM (Wang et al. 2004) on luma, with numpy only: 11-tap Gaussian window, sigma 1.5, K1 0.01, K2 0.03."""

import numpy as np
from PIL import Image

_TAPS = np.exp(-((np.arange(11) - 5) ** 2) / (2 * 1.5**2))
_TAPS /= _TAPS.sum()
_C1 = (0.01 * 255) ** 2
_C2 = (0.03 * 255) ** 2


def _luma(image: Image.Image) -> np.ndarray:
    rgb = np.asarray(image.convert("RGB"), dtype=np.float64)
    return rgb @ np.array([0.299, 0.587, 0.114])


def _blur(plane: np.ndarray) -> np.ndarray:
    """Separable Gaussian filter over the 'valid' region (no padding, as in the reference implementation)."""
    rows = sum(tap * plane[i : plane.shape[0] - 10 + i] for i, tap in enumerate(_TAPS))
    return sum(tap * rows[:, i : rows.shape[1] - 10 + i] for i, tap in enumerate(_TAPS))


def ssim(image: Image.Image, reference: Image.Image) -> float:
    if image.size != reference.size:
        raise ValueError(f"sizes differ: {image.size} != {reference.size}")
    x, y = _luma(image), _luma(reference)
    if min(x.shape) < 11:
        return float("nan")
    mu_x, mu_y = _blur(x), _blur(y)
    var_x = _blur(x * x) - mu_x**2
    var_y = _blur(y * y) - mu_y**2
    cov = _blur(x * y) - mu_x * mu_y
    numerator = (2 * mu_x * mu_y + _C1) * (2 * cov + _C2)
    denominator = (mu_x**2 + mu_y**2 + _C1) * (var_x + var_y + _C2)
    return float(np.mean(numerator / denominator))
