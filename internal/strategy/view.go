package strategy

import (
	"html/template"
	"time"
)

// Methods the templates call.

// Spark is the measure's trend as a sparkline.
func (m MeasureStatus) Spark() template.HTML { return template.HTML(Sparkline(m.Trend)) }

// NowText is the latest figure in words.
func (m MeasureStatus) NowText() string { return NumPtr(m.Now) }

// BeforeText is the year before's figure in words.
func (m MeasureStatus) BeforeText() string { return NumPtr(m.Before) }

// Tag is the CSS class of the status's tag.
func (m MeasureStatus) Tag() string { return ragTag(m.Status) }

// Tag is the CSS class of the outcome's status tag.
func (o OutcomeStatus) Tag() string { return ragTag(o.Status) }

// StatusText is the status in words.
func (o OutcomeStatus) StatusText() string { return RAGLabels[o.Status] }

// Tag is the CSS class of the outcome's status tag.
func (o OutcomeRow) Tag() string { return ragTag(o.Status) }

// StatusText is the status in words.
func (o OutcomeRow) StatusText() string { return RAGLabels[o.Status] }

// TargetText is the target in words ("" when none).
func (o *Outcome) TargetText() string {
	if o.Target == nil {
		return ""
	}
	return Num(*o.Target)
}

func ragTag(s string) string {
	switch s {
	case Green:
		return "ph-tag ph-tag--green"
	case Amber:
		return "ph-tag ph-tag--yellow"
	case Red:
		return "ph-tag ph-tag--red"
	}
	return "ph-tag ph-tag--grey"
}

func milestoneTag(s string) string {
	switch s {
	case "done":
		return "ph-tag ph-tag--green"
	case "at_risk":
		return "ph-tag ph-tag--yellow"
	case "missed":
		return "ph-tag ph-tag--red"
	case "planned":
		return "ph-tag ph-tag--grey"
	}
	return "ph-tag"
}

// Tag is the CSS class of the milestone's status tag.
func (m *Milestone) Tag() string { return milestoneTag(m.Status) }

// StatusText is the milestone's status in words.
func (m *Milestone) StatusText() string { return StatusLabels[m.Status] }

// Tag is the CSS class of the milestone's status tag.
func (m MilestoneDoc) Tag() string { return milestoneTag(m.Status) }

// StatusText is the milestone's status in words.
func (m MilestoneDoc) StatusText() string { return StatusLabels[m.Status] }

// Day is the milestone's date.
func (m MilestoneDoc) Day() time.Time {
	t, _ := time.Parse(time.DateOnly, m.Date)
	return t
}

// ValueText is the figure in words.
func (f Figure) ValueText() string { return NumPtr(f.Value) }

// PreviousText is the year before's figure in words.
func (f Figure) PreviousText() string { return NumPtr(f.Previous) }
