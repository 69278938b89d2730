# Table 4 ablation: early fusion (2 pose/audio layers + 12 fusion layers).
_base_ = ['../_base_/default_runtime.py', '../_base_/mapdat.py', '../_base_/schedule.py']
tau = 'tau033'
model = dict(type='PoseRefiner', net=dict(t_in=51, type='MAPnet', h1=160, h2=150, n_heads=8, pose_layers=2, audio_layers=2, fusion_layers=12))
train_dataloader = dict(dataset=dict(tau=tau))
val_dataloader = dict(dataset=dict(tau=tau))
test_dataloader = dict(dataset=dict(tau=tau))
