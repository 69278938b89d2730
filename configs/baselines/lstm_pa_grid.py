# LSTM-PA (the paper's pose+audio LSTM: raw audio columns concatenated per output frame), trained like the shipped
# MAPnet (../mapnet/mapnet_small_grid.py: same data, grid input, noise presets, loss and schedule), so the
# benchmark compares like with like. The README's row: 1500 iterations (--max-iters 1500).
_base_ = ['../mapnet/mapnet_small_grid.py']
model = dict(type='PoseRefiner', vel_weight=0.5, use_audio=True, net=dict(_delete_=True, type='LSTMPA'))
unswap_input = False  # as measured: the input frames are served as the estimator gave them
