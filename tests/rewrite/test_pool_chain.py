import numpy as np

from dla_advisor.rewrite._pool_chain import factor_window, overlap_windows, spread_pads
from dla_advisor.rewrite.channel_shuffle import permutation


def test_factor_window_fits_or_factors():
    assert factor_window(7, 8) == [7]
    assert factor_window(28, 8) == [7, 4]
    assert factor_window(56, 8) == [8, 7]
    assert factor_window(72, 8) == [8, 3, 3]
    assert factor_window(11, 8) is None  # prime above the limit
    assert factor_window(22, 8) is None  # 2 * 11


def test_overlap_windows_cover_the_window():
    assert overlap_windows(5, 8) == [5]
    assert overlap_windows(13, 8) == [8, 6]
    assert overlap_windows(20, 8) == [8, 8, 6]
    for k in range(9, 40):
        assert sum(w - 1 for w in overlap_windows(k, 8)) == k - 1


def test_spread_pads_respects_window_and_limit():
    assert spread_pads(6, [8, 6], 7) == [6, 0]
    assert spread_pads(9, [8, 8], 7) == [7, 2]
    assert spread_pads(9, [3, 3], 7) is None


def test_channel_shuffle_permutation_matches_reshape_transpose():
    c, g = 12, 3
    x = np.arange(c)
    shuffled = x.reshape(g, c // g).T.reshape(-1)
    assert permutation(c, g).tolist() == shuffled.tolist()
