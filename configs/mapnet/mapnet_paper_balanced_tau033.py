# Table 4 ablation: balanced fusion (7 + 7).
_base_ = ['../_base_/default_runtime.py', '../_base_/mapdat.py', '../_base_/schedule.py']
tau = 'tau033'
model = dict(type='PoseRefiner', net=dict(t_in=51, type='MAPnet', h1=160, h2=150, n_heads=8, pose_layers=7, audio_layers=7, fusion_layers=7))
train_dataloader = dict(dataset=dict(tau=tau))
val_dataloader = dict(dataset=dict(tau=tau))
test_dataloader = dict(dataset=dict(tau=tau))
