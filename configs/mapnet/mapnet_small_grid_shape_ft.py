# mapnet_small_grid_dance_ft.py plus body-shape augmentation (training/augment.py): half of the training samples
# get every segment rescaled by a random factor (log-std 0.25, both sides alike) before the noise is made, so the
# violinists' proportions stop being a prior the model "corrects" other bodies towards.
_base_ = ['./mapnet_small_grid_dance_ft.py']
_aug = dict(shape_aug=0.25, shape_aug_p=0.5)
noise = ['realistic', 'paper']
_window_set = dict(type='MAPdatWindows', split='train', input_mode='grid', online_noise=noise, fps_range=(10.0, 60.0),
                   **_aug)
train_dataloader = dict(dataset=dict(_delete_=True, type='ConcatWindows', datasets=[
    dict(_window_set, data_root='data_build/mapdat_realistic'),
    dict(_window_set, data_root='data_build/real_dance', repeats=6),
    dict(_window_set, data_root='data_build/real_mocap', repeats=20),
]))
# Measured against mapnet_small_grid_dance_ft.py (200 test windows, tau 0.33): real dance 70.4 -> 70.2 mm (no
# gain), realistic violin 47.8 -> 49.6, paper 38.3 -> 41.1 (worse). Not used by the shipped model.
