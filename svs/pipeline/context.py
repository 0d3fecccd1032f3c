"""One item as it goes down the stage chain: what it came with, and what each stage has added so far."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from svs.doctype import Shape, shape_of
from svs.intake import Page
from svs.pipeline.options import Options
from svs.schema import DocumentType, FormResult, ItemStructure, MrzResult, PhotoResult, QualityResult


@dataclass(frozen=True)
class ItemContext:
    """Immutable: a stage returns a new context (``dataclasses.replace``) with what it adds.

    ``document_type`` stays None until a stage recognises the item; the chain's last typing stage settles it."""

    page: Page
    options: Options
    quality: QualityResult
    structure: ItemStructure | None = None
    document_type: DocumentType | None = None
    mrz: MrzResult | None = None
    mrz_crop: np.ndarray | None = None
    form_crop: np.ndarray | None = None  # the form fields a person must key, as written
    photo: PhotoResult | None = None
    form: FormResult | None = None
    #: Stages that raised: the item still gets a result, and a person looks at it (``stage.failed``).
    failed: tuple[str, ...] = ()
    #: Stages whose engine ran past its own time limit (``stage.timeout``).
    timed_out: tuple[str, ...] = ()
    #: Reasons a stage adds of its own (a stage without a result object of its own); the decision then puts every
    #: stage's reasons here, in stage order.
    reasons: tuple[str, ...] = ()
    derived: dict[str, bytes] = field(default_factory=dict)

    @property
    def shape(self) -> Shape:
        return shape_of(self.page.width, self.page.height)

    @property
    def dpi(self) -> float:
        """The page's resolution as measured, else the scanner resolution the profile assumes."""
        return self.quality.measures.get("dpi") or self.options.profile.page.assumed_dpi.value

    @property
    def separator(self) -> bool:
        return self.structure is not None and self.structure.role == "separator"

    @property
    def application_id(self) -> str | None:
        return self.structure.application_id if self.structure is not None else None
