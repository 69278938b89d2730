# mapnet_small_grid_gated.py with left/right swaps undone in the smoothed base (residual_unswap=True) during
# training too. (The shipped weights are mapnet_small_grid_gated.py's with this switched on after training:
# without it the smoothed base carried the estimator's swaps into the output -- 54 % of swapped frames
# restored on realistic noise -- with it 91-96 %.)
_base_ = ['./mapnet_small_grid_gated.py']
model = dict(net=dict(residual_unswap=True))
