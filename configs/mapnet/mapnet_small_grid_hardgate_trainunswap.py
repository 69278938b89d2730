# mapnet_small_grid_hardgate.py (the shipped model) trained on the inputs it is served: left/right swaps undone
# by continuity in the sparse input frames (MAPdatWindows(unswap_input=True)) before gridding, as the Refiner
# and the benchmark do at inference (unswap_input = True below). The shipped weights trained on swapped inputs.
# (The unswap pass costs ~6 ms a sample on the CPU: ~35 min for the 4000 iterations instead of ~21.)
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
