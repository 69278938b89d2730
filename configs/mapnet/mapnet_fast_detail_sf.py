# Stage 6 of the audio model (what ships): stage 5 (mapnet_fast_detail.py) with, again, only the audio-driven
# detail trained, now on the fast-stroke takes heard through two renderers: the synthesizer and the SoundFont violin,
# each through a random recording chain. Why: every audio model trained on one renderer lost much of its gain on the
# other (model card), and a whole-net stage on both renderers moved clean real mocap (a do-no-harm regression); with
# everything but the detail frozen the pose-only refinement stays stage 4's bit for bit. The synthesizer's takes are
# seen 3 times to the SoundFont's 2: a 2 : 2 mix for 2000 iterations (lr 3e-4) cost more of the synthesizer's
# bow-change F1 and of the unheard synth_alt's gain (model card).
#   python tools/build_mapdat.py --preset realistic_blur --out data_build/mapdat_fast_sf_aug --takes 160 --variants 1 \
#       --fast-strokes 0.5 --renderer soundfont --audio-augment --workers 2
#   python tools/train.py configs/mapnet/mapnet_fast_detail_sf.py
# (the shipped run: 3000 iterations on 2 CPU cores, ~15 min, from stage 5's float16 export --
#  git show d45d824:pose_audio_refine/weights/mapnet_fast.pth -- with model.init_from pointing at it)
_base_ = ['./mapnet_fast_detail.py']
_fast_set = dict(type='MAPdatWindows', split='train', input_mode='grid', data_root='data_build/mapdat_fast_aug',
                 online_noise=['realistic_blur', 'realistic', 'white10'], fps_range=(10.0, 20.0),
                 noise_scale=(0.25, 0.35), repeats=3)
_window_set = dict(type='MAPdatWindows', split='train', input_mode='grid',
                   online_noise=['realistic', 'paper', 'drift_swaps30'], fps_range=(10.0, 60.0),
                   noise_scale=(0.25, 0.35))
train_dataloader = dict(dataset=dict(type='ConcatWindows', datasets=[
    _fast_set,
    dict(_fast_set, data_root='data_build/mapdat_fast_sf_aug', repeats=2),
    dict(_window_set, data_root='data_build/mapdat_realistic'),
    dict(_window_set, data_root='data_build/real_dance', repeats=2),
    dict(_window_set, data_root='data_build/real_mocap', repeats=20),
], _delete_=True))
model = dict(init_from='work_dirs/mapnet_fast_detail/iter_3000.pth')
max_iters = 3000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=1000)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=5e-4), clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=50, end=max_iters, eta_min=1e-5),
]
