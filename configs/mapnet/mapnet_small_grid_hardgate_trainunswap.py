# mapnet_small_grid_hardgate.py (the shipped model) trained on the inputs it is served: left/right swaps undone
# by continuity in the sparse input frames (MAPdatWindows(unswap_input=True)) before gridding, as the Refiner
# and the benchmark do at inference (unswap_input = True below). The shipped weights trained on swapped inputs.
# (The unswap pass costs ~6 ms a sample on the CPU: 28 min for the 4000 iterations instead of ~21.)
# Measured (training/weights/mapnet_small_grid_trainunswap.pth, docs/benchmark_trainunswap.md, one quick run beside
# the shipped model): MPJPE tau 1/0.5/0.33 paper noise 31.7/35.9/38.8 mm (shipped 32.3/36.4/38.9), realistic
# 45.1/45.5/47.7 (45.2/45.4/47.9), real dance 59.9/59.5/60.3 (59.6/59.7/60.4), swaps restored the same: a wash,
# so the shipped weights stay.
_base_ = ['./mapnet_small_grid_hardgate.py']
_window_set = dict(type='MAPdatWindows', split='train', input_mode='grid', online_noise=['realistic', 'paper'],
                   fps_range=(10.0, 60.0), unswap_input=True)
train_dataloader = dict(dataset=dict(_delete_=True, type='ConcatWindows', datasets=[
    dict(_window_set, data_root='data_build/mapdat_realistic'),
    dict(_window_set, data_root='data_build/real_dance', repeats=2),
    dict(_window_set, data_root='data_build/real_mocap', repeats=20),
]))
val_dataloader = dict(dataset=dict(unswap_input=True))
test_dataloader = dict(dataset=dict(unswap_input=True))
