# MAPnet, small CPU-trainable size (H1=64, H2=50, 2+2+2 layers); paper-style native input tau050.
_base_ = ['../_base_/default_runtime.py', '../_base_/mapdat.py', '../_base_/schedule.py']
tau = 'tau050'
model = dict(type='PoseRefiner', net=dict(t_in=75, type='MAPnet', h1=64, h2=50, n_heads=4, pose_layers=2, audio_layers=2, fusion_layers=2))
train_dataloader = dict(dataset=dict(tau=tau))
val_dataloader = dict(dataset=dict(tau=tau))
test_dataloader = dict(dataset=dict(tau=tau))
