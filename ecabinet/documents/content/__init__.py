"""File content of documents: type checks, text extraction, OCR, conversion, secret marks.

Pure functions over bytes, no models and no database (docs/decisions/0701-document-content.md):

- ``kinds``: ``FileKind`` (PDF, DOCX, XLSX, ODT, PNG, JPEG) with MIME types and extensions.
- ``inspect``: ``inspect_upload`` accepts an upload or raises ``RejectedFile`` (with a code).
- ``extract``: ``extract_text`` reads PDF text layers and office XML; ``ExtractionFailed``.
- ``ocr``: ``ocr_available``, ``ocr_text`` (Tesseract, Vietnamese model); ``OcrFailed``.
- ``convert``: ``conversion_available``, ``convert_to_pdf`` (LibreOffice); ``ConversionFailed``.
- ``classify``: ``secret_mark``, ``secret_mark_in_metadata`` for the classification gate.
"""
