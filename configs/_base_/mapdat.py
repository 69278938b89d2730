# MAPdat data: build it with `python tools/build_mapdat.py --preset paper --out data_build/mapdat_paper`.
data_root = 'data_build/mapdat_paper'
tau = 'tau033'
batch_size = 64
train_dataloader = dict(
    batch_size=batch_size, num_workers=0, persistent_workers=False,
    sampler=dict(type="InfiniteSampler", shuffle=True),  # iteration-based loop
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='MAPdatWindows', data_root=data_root, split='train', tau=tau, input_mode='native'))
val_dataloader = dict(
    batch_size=batch_size, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='MAPdatWindows', data_root=data_root, split='val', tau=tau, input_mode='native',
                 max_samples=2000))
test_dataloader = dict(
    batch_size=batch_size, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='MAPdatWindows', data_root=data_root, split='test', tau=tau, input_mode='native'))
val_evaluator = dict(type='PoseMetric')
test_evaluator = dict(type='PoseMetric')
