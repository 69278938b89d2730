# LSTM-Po (paper's pose-only LSTM); input tau033.
_base_ = ['../_base_/default_runtime.py', '../_base_/mapdat.py', '../_base_/schedule.py']
tau = 'tau033'
model = dict(type='PoseRefiner', net=dict(type='LSTMPo'))
train_dataloader = dict(dataset=dict(tau=tau))
val_dataloader = dict(dataset=dict(tau=tau))
test_dataloader = dict(dataset=dict(tau=tau))
