# DeciWatch-style sparse-to-dense transformer, trained exactly like the shipped MAPnet (configs/mapnet/mapnet_small_grid.py: same data, grid input,
# noise presets, loss and schedule), so the benchmark compares like with like.
_base_ = ['../mapnet/mapnet_small_grid.py']
model = dict(type='PoseRefiner', vel_weight=0.5, use_audio=False, net=dict(_delete_=True, type='DeciWatch'))
