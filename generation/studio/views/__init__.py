"""The studio's pages, one module per page: making ads (``make``), a job and its variants
(``jobs``), its files (``downloads``), the storyboard editor (``storyboard``) and the library
(``library``). Thin views: ``workspace_access`` (another workspace is 404), a selector or one
service call, render. The URLs are in ``generation/studio/urls.py``."""
