"""The MCP server's tools by name, with their descriptions: one list for the server and the CLI.

The server registers each tool from this table (by its function's name), and `pixforge mcp
--help` prints it without importing the MCP stack.
"""

from __future__ import annotations

TOOLS: dict[str, str] = {
    "text_to_video": "Generate a video from a text prompt.",
    "image_to_video": "Animate an image (local path, URL or img_id) into a video.",
    "transition": "Morph a first image into a last image (first/last-frame transition).",
    "video_status": "Status of a video: 1 done (url set), 5 generating, 6/7/8 no video.",
    "balance": "Credits left on the account.",
    "upload_media": "Upload a local video or audio file (or URL); returns its media_id.",
    "extend_video": "Continue a video: the new clip starts on its last frame.",
    "lip_sync_video": "Make a video speak: TTS text with a speaker, or an uploaded audio.",
    "sound_effect_video": "Add a generated sound track to a video (optionally keep its own).",
    "fusion_video": (
        "Reference-to-video: images named in the prompt as @name (subjects, and at most "
        "one background)."
    ),
    "restyle_video": "Restyle a video with a look from list_restyles or a free prompt.",
    "multi_transition_video": (
        "Chain 2-7 keyframe images; durations[i] is the seconds from image i to i+1."
    ),
    "select_masks": "Swap step 1: the selectable regions (masks) on one frame of a video.",
    "swap_video": "Swap step 2: replace a selected region with an image.",
    "mimic_video": "Motion control: the image's character moves like the video's subject.",
    "modify_video": (
        "Edit a video with a prompt (colour, weather, lighting, removal, swap); masks from "
        "select_masks are @selection0.., reference images @img0.. (up to 3 each)."
    ),
    "image_template": "Apply an image template (template list, type 2) to image(s).",
    "get_tts_speakers": "The TTS speakers lip_sync_video can use.",
    "list_restyles": "The restyle looks restyle_video can apply (id, name, cover).",
}
