"""Optical motion-capture data for building the real-motion window sets (:mod:`training.realsets`).

* :mod:`~training.mocap.containers` -- :class:`MarkerData`, :class:`JointData`.
* :mod:`~training.mocap.readers` -- C3D, Qualisys TSV and MoCap Toolbox .mat readers (positions in mm, NaN =
  missing marker).
* :mod:`~training.mocap.joints` -- marker-to-joint maps: :func:`markers_to_joints` averages marker groups as the
  MoCap Toolbox's ``mcm2j`` does. No skeleton convention is imposed here.
"""
from __future__ import annotations

from .containers import JointData, MarkerData
from .joints import TELMI_MARKER_MAP, load_m2jpar, markers_to_joints
from .readers import read_c3d, read_mocap_toolbox_mat, read_qualisys_tsv, write_qualisys_tsv

__all__ = ["MarkerData", "JointData", "read_c3d", "read_qualisys_tsv", "write_qualisys_tsv", "read_mocap_toolbox_mat",
           "load_m2jpar", "markers_to_joints", "TELMI_MARKER_MAP"]
