"""办不成事 windows (“办不成事”反映窗口) and their 问题专员: registering a window case with its
原因分析, and escalating it one level up (村→乡→县→市) for 会商联办. Models in
``complaints/models/windows.py``; who sees a window case in ``complaints.selectors``
(``window_case_reasons``) and ``complaints.permissions`` (``on_duty_for``)."""
