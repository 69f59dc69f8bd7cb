"""The Qt widgets. Nothing here imports torch: model work goes through the assistant."""
