# SmoothNet-style temporal MLP (Zeng et al. 2022; a residual over the upsampled input), trained like the shipped
# MAPnet (../mapnet/mapnet_small_grid.py: same data, grid input, noise presets, loss and schedule), so the
# benchmark compares like with like. The kept weights (training/weights/smoothnet_grid.pth) are 1000 iterations
# (--max-iters 1000) from before the real-motion sets joined the recipe: simulated violin only.
_base_ = ['../mapnet/mapnet_small_grid.py']
model = dict(type='PoseRefiner', vel_weight=0.5, use_audio=False, net=dict(_delete_=True, type='SmoothNetMLP'))
unswap_input = False  # as measured: the input frames are served as the estimator gave them
