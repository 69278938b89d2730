# Stage 14 of the audio model: stage 13 (mapnet_fast_detail_wide_longer.py) trained on with the same
# recipe, 12000 more iterations (the audio detail alone). Why: stage 13's 12000 iterations still lowered the
# fast-stroke velocity error at every rate (17 fps: 266 -> 254 mm/s); 12000 more took it to 246 mm/s and the
# bow-change F1 at 15 fps to 0.85, with the do-no-harm sweep unchanged at 89 cells (model card).
#   python tools/train.py configs/mapnet/mapnet_fast_detail_wide_longest.py
# (the shipped run: 12000 iterations on 2 CPU cores, ~27 min, from stage 13's float16 export --
#  git show 880dec7:pose_audio_refine/weights/mapnet_fast.pth -- with model.init_from pointing at it)
_base_ = ['./mapnet_fast_detail_wide_longer.py']
model = dict(init_from='work_dirs/mapnet_fast_detail_wide_longer/iter_12000.pth')
