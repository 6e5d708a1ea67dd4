package demo

import "github.com/edtech-registry/registry/internal/registry"

// fictional is appended to every description so that nobody mistakes a
// sample product for a real one.
const fictional = " Fictional sample product for demonstration."

// entry is one sample product together with how its reviewers see it and how
// many reviews it gets by default.
type entry struct {
	product registry.Product
	profile profile
	reviews int
}

// catalogue is the sample data set. Names, vendors and websites are invented;
// the websites use the reserved .example top-level domain.
var catalogue = []entry{
	{
		product: registry.Product{
			ID: "quillby-tutor", Name: "Quillby Tutor", Vendor: "Brightlantern Learning Ltd (fictional)",
			Website: "https://quillby.example", Category: "tutoring",
			Description:   "A chat tutor that asks pupils questions back instead of giving answers, across maths and English." + fictional,
			AIFeatures:    []string{"generative", "adaptive"},
			UsedBy:        []string{"pupils", "staff"},
			AgeRange:      &registry.AgeRange{Min: 7, Max: 14},
			DataProcessed: []string{"contact", "academic", "usage"},
			Hosting:       "UK and USA (fictional data centres)",
		},
		// Strong pedagogy, poor privacy: pupils' chats train the vendor's model.
		profile: profile{
			pedagogy: 3.4, privacy: 2.6, workload: 2.9, autonomy: 3.0, practices: 3.5, spread: 0.7, unknown: 0.07, na: 0.03,
			overrides: []override{
				{dim: "privacy", keywords: []string{"train", "model"}, level: 0.4, spread: 0.55},
				{dim: "privacy", keywords: []string{"agreement", "paperwork", "sub-processor", "minimum", "delet"}, level: 1.8, spread: 0.7},
			},
			notes: []note{
				{praise, "Pupils like that it asks them to explain their thinking before it helps."},
				{mixed, "The tutoring is genuinely good, but the privacy terms let pupils' chats be used to improve the vendor's model."},
				{worry, "Our data protection officer asked us to pause it until the vendor confirms where chats are stored."},
			},
			remarks: []remark{
				{dim: "pedagogy", high: true, text: "It nudges pupils to try a step themselves before offering a hint."},
				{dim: "privacy", high: false, text: "The terms say conversations may be used to improve the service; there is no opt-out for schools."},
				{dim: "privacy", high: false, text: "Chats are copied to a data centre outside the UK according to the sub-processor list."},
			},
		},
		reviews: 34,
	},
	{
		product: registry.Product{
			ID: "mathsmoth", Name: "MathsMoth", Vendor: "Mothwing Education (fictional)",
			Website: "https://mathsmoth.example", Category: "tutoring",
			Description:   "Adaptive arithmetic practice that adjusts the next question to each pupil's answers." + fictional,
			AIFeatures:    []string{"adaptive", "predictive"},
			UsedBy:        []string{"pupils", "staff", "parents"},
			AgeRange:      &registry.AgeRange{Min: 5, Max: 11},
			DataProcessed: []string{"contact", "academic", "usage"},
			Hosting:       "UK (fictional data centre)",
		},
		// A solid all-rounder with a light touch on staff.
		profile: profile{
			pedagogy: 3.2, privacy: 3.3, workload: 3.4, autonomy: 3.2, practices: 3.8, spread: 0.6, unknown: 0.04, na: 0.04,
			notes: []note{
				{praise, "A dependable practice tool that does one job well."},
				{praise, "Parents can see progress without teachers having to send anything home."},
			},
			remarks: []remark{
				{dim: "workload", high: true, text: "Setting homework takes a couple of clicks and marking is automatic."},
				{dim: "pedagogy", high: false, text: "The questions get repetitive for pupils who are already secure."},
			},
		},
		reviews: 28,
	},
	{
		product: registry.Product{
			ID: "fablefox-reading-coach", Name: "Fablefox Reading Coach", Vendor: "Fablefox Labs (fictional)",
			Website: "https://fablefox.example", Category: "tutoring",
			Description:   "Listens to children reading aloud and gives feedback on fluency and phonics." + fictional,
			AIFeatures:    []string{"generative", "adaptive"},
			UsedBy:        []string{"pupils", "staff"},
			AgeRange:      &registry.AgeRange{Min: 4, Max: 9},
			DataProcessed: []string{"contact", "academic", "biometric", "usage"},
			Hosting:       "EU (fictional data centre)",
		},
		// Good pedagogy; voice recordings leave reviewers unsure about privacy.
		profile: profile{
			pedagogy: 3.2, privacy: 2.6, workload: 2.7, autonomy: 3.0, practices: 3.4, spread: 0.75, unknown: 0.1, na: 0.05,
			overrides: []override{
				{dim: "privacy", keywords: []string{"retention", "delet", "minimum", "biometric"}, level: 1.0, spread: 0.7},
			},
			notes: []note{
				{praise, "Reluctant readers will read to it when they won't read to an adult."},
				{worry, "Nobody could tell us how long the voice recordings are kept."},
			},
			remarks: []remark{
				{dim: "privacy", high: false, text: "Voice recordings are stored, but the retention period is not stated anywhere we could find."},
				{dim: "pedagogy", high: true, text: "The phonics feedback matches our scheme well."},
			},
		},
		reviews: 16,
	},
	{
		product: registry.Product{
			ID: "redpenny-marker", Name: "Redpenny Marker", Vendor: "Redpenny Systems (fictional)",
			Website: "https://redpenny.example", Category: "marking",
			Description:   "Suggests marks and written feedback on extended answers, which the teacher accepts or edits." + fictional,
			AIFeatures:    []string{"generative"},
			UsedBy:        []string{"staff"},
			AgeRange:      &registry.AgeRange{Min: 11, Max: 18},
			DataProcessed: []string{"contact", "academic", "usage"},
			Hosting:       "UK (fictional data centre)",
		},
		// A solid, well-run marking tool.
		profile: profile{
			pedagogy: 3.3, privacy: 3.4, workload: 3.4, autonomy: 3.5, practices: 3.8, spread: 0.6, unknown: 0.03, na: 0.03,
			notes: []note{
				{praise, "A well-run marking assistant: it drafts, the teacher decides."},
				{praise, "The data processing agreement was ready before we asked for it."},
				{praise, "It has taken hours off each set of mocks without changing how I mark."},
			},
			remarks: []remark{
				{dim: "autonomy", high: true, text: "Nothing reaches pupils until the teacher has approved it."},
				{dim: "workload", high: true, text: "A class set of essays takes about half the time it used to."},
				{dim: "pedagogy", high: false, text: "Feedback on creative writing is bland and needs rewriting."},
			},
		},
		reviews: 40,
	},
	{
		product: registry.Product{
			ID: "gradewhistle", Name: "Gradewhistle", Vendor: "Whistlestop Assessment Co. (fictional)",
			Website: "https://gradewhistle.example", Category: "marking",
			Description:   "Marks quizzes and short answers automatically and predicts end-of-year grades." + fictional,
			AIFeatures:    []string{"generative", "predictive", "automated-decisions"},
			UsedBy:        []string{"pupils", "staff"},
			AgeRange:      &registry.AgeRange{Min: 11, Max: 16},
			DataProcessed: []string{"contact", "academic", "usage", "staff-performance"},
			Hosting:       "USA (fictional cloud region)",
		},
		// Saves time on paper, but checking its output eats the saving and its
		// predicted grades are pushed to pupils without a teacher's say.
		profile: profile{
			pedagogy: 2.0, privacy: 2.4, workload: 1.8, autonomy: 1.6, practices: 3.0, spread: 0.85, unknown: 0.1, na: 0.04,
			overrides: []override{
				{dim: "workload", keywords: []string{"check", "correct", "verif"}, level: 0.9, spread: 0.7},
				{dim: "autonomy", keywords: []string{"final", "override", "human", "decision"}, level: 0.9, spread: 0.7},
				{dim: "pedagogy", keywords: []string{"high-stakes", "grading"}, level: 0.8, spread: 0.7},
			},
			shifts: []shift{{role: "leader", dim: "workload", delta: 1.0}},
			notes: []note{
				{worry, "It marks fast, but we spend the time saved checking what it got wrong."},
				{worry, "Predicted grades go straight to pupils and parents before a teacher has seen them."},
			},
			remarks: []remark{
				{dim: "workload", high: false, text: "I re-mark about a third of the short answers because it misreads handwriting."},
				{dim: "autonomy", high: false, text: "Teachers cannot change a predicted grade once the system has published it."},
				{dim: "pedagogy", high: false, text: "It marks correct answers wrong when pupils phrase them differently from the mark scheme."},
			},
		},
		reviews: 26,
	},
	{
		product: registry.Product{
			ID: "inkpuddle-feedback", Name: "Inkpuddle Feedback", Vendor: "Inkpuddle & Daughters (fictional)",
			Website: "https://inkpuddle.example", Category: "marking",
			Description:   "Turns a teacher's spoken comments into written feedback for each pupil's book." + fictional,
			AIFeatures:    []string{"generative"},
			UsedBy:        []string{"staff"},
			DataProcessed: []string{"contact", "academic", "usage"},
			Hosting:       "UK (fictional data centre)",
		},
		// New, with too few reviews for a grade.
		profile: profile{
			pedagogy: 2.8, privacy: 2.8, workload: 3.0, autonomy: 3.1, practices: 3.4, spread: 0.8, unknown: 0.1, na: 0.05,
			notes: []note{{mixed, "Too early to say much; the pilot has only just started."}},
		},
		reviews: 2,
	},
	{
		product: registry.Product{
			ID: "lessonbrook-planner", Name: "Lessonbrook Planner", Vendor: "Lessonbrook Education (fictional)",
			Website: "https://lessonbrook.example", Category: "planning",
			Description:   "Drafts lesson plans, slides and worksheets from a topic and the class's prior learning." + fictional,
			AIFeatures:    []string{"generative"},
			UsedBy:        []string{"staff"},
			DataProcessed: []string{"contact", "usage"},
			Hosting:       "EU (fictional data centre)",
		},
		// Saves planning time; the content is generic and needs checking.
		profile: profile{
			pedagogy: 2.7, privacy: 3.1, workload: 3.3, autonomy: 3.3, practices: 3.6, spread: 0.7, unknown: 0.05, na: 0.04,
			overrides: []override{
				{dim: "pedagogy", keywords: []string{"accura", "halluc", "error", "bias"}, level: 1.8, spread: 0.8},
			},
			notes: []note{
				{mixed, "A good first draft for a lesson, never a finished one."},
				{mixed, "Early-career colleagues find it most useful; experienced staff use it for resources."},
			},
			remarks: []remark{
				{dim: "pedagogy", high: false, text: "It invented a quotation for a set text, so everything has to be checked."},
				{dim: "workload", high: true, text: "Differentiated worksheets in minutes rather than an evening."},
			},
		},
		reviews: 38,
	},
	{
		product: registry.Product{
			ID: "schemewright-planner", Name: "Schemewright Planner", Vendor: "Schemewright Ltd (fictional)",
			Website: "https://schemewright.example", Category: "planning",
			Description:   "Generates whole-school schemes of work and lesson templates that leaders assign to staff." + fictional,
			AIFeatures:    []string{"generative", "automated-decisions"},
			UsedBy:        []string{"staff"},
			DataProcessed: []string{"contact", "usage", "staff-performance"},
			Hosting:       "UK (fictional data centre)",
		},
		// Fine on privacy; mandated use drives workload and autonomy down.
		profile: profile{
			pedagogy: 2.3, privacy: 3.0, workload: 1.6, autonomy: 2.0, practices: 3.5, spread: 0.75, unknown: 0.07, na: 0.04,
			overrides: []override{
				{dim: "autonomy", keywords: []string{"choice", "choose", "consult", "monitor", "override"}, level: 0.7, spread: 0.6},
			},
			shifts: []shift{{role: "leader", dim: "autonomy", delta: 1.4}, {role: "leader", dim: "workload", delta: 1.2}},
			notes: []note{
				{mixed, "Leaders like the consistency; classroom staff feel the plans were imposed."},
				{worry, "We have to upload evidence that we followed the generated plan each week."},
			},
			remarks: []remark{
				{dim: "autonomy", high: false, text: "Departures from the generated plan are reported to line managers."},
				{dim: "workload", high: false, text: "Adapting the templates for my classes takes longer than writing my own plans."},
			},
		},
		reviews: 14,
	},
	{
		product: registry.Product{
			ID: "parrotline-assistant", Name: "Parrotline Assistant", Vendor: "Parrotline AI (fictional)",
			Website: "https://parrotline.example", Category: "assistant",
			Description:   "A general chatbot for pupils and staff with a friendly animal persona." + fictional,
			AIFeatures:    []string{"generative"},
			UsedBy:        []string{"pupils", "staff"},
			AgeRange:      &registry.AgeRange{Min: 13, Max: 18},
			DataProcessed: []string{"contact", "academic", "usage"},
			Hosting:       "Not stated by the (fictional) vendor",
		},
		// Opaque vendor: many "don't know" answers on privacy; the persona
		// worries safeguarding leads.
		profile: profile{
			pedagogy: 1.9, privacy: 2.0, workload: 2.5, autonomy: 2.6, spread: 0.9, unknown: 0.3, na: 0.05,
			overrides: []override{
				{dim: "privacy", keywords: []string{"targeted", "tracking", "marketing", "train"}, level: 1.0, spread: 0.7},
				{dim: "pedagogy", keywords: []string{"person", "manipul", "safeguard", "human help"}, level: 0.8, spread: 0.7},
			},
			notes: []note{
				{worry, "Pupils talk to it as if it were a friend, which worries our safeguarding lead."},
				{worry, "We could not get straight answers from the vendor about where data goes."},
			},
			remarks: []remark{
				{dim: "pedagogy", high: false, text: "It tells pupils it 'understands how they feel', which is not appropriate."},
				{dim: "privacy", high: false, text: "The privacy notice is written for adult consumers, not schools."},
			},
		},
		reviews: 22,
	},
	{
		product: registry.Product{
			ID: "staffroom-owlet", Name: "Staffroom Owlet", Vendor: "Owlet Office Software (fictional)",
			Website: "https://staffroom-owlet.example", Category: "assistant",
			Description:   "Helps staff draft reports, emails and meeting notes inside the school's own tenancy." + fictional,
			AIFeatures:    []string{"generative"},
			UsedBy:        []string{"staff"},
			DataProcessed: []string{"contact", "academic", "usage"},
			Hosting:       "UK (fictional data centre)",
		},
		// Well liked by staff; optional and under their control.
		profile: profile{
			pedagogy: 3.0, privacy: 3.4, workload: 3.5, autonomy: 3.5, practices: 3.8, spread: 0.6, unknown: 0.05, na: 0.12,
			notes: []note{
				{praise, "Report-writing season was noticeably calmer this year."},
				{praise, "Nobody is told to use it, which is probably why people do."},
			},
			remarks: []remark{
				{dim: "workload", high: true, text: "It turns my bullet points into a report comment I only need to tweak."},
				{dim: "privacy", high: true, text: "Prompts stay in the school's tenancy and are not used for training."},
			},
		},
		reviews: 18,
	},
	{
		product: registry.Product{
			ID: "rollcall-lantern", Name: "Rollcall Lantern", Vendor: "Lantern Analytics (fictional)",
			Website: "https://rollcall-lantern.example", Category: "analytics",
			Description:   "Predicts which pupils are at risk of persistent absence and suggests interventions." + fictional,
			AIFeatures:    []string{"predictive", "automated-decisions"},
			UsedBy:        []string{"staff", "parents"},
			AgeRange:      &registry.AgeRange{Min: 5, Max: 16},
			DataProcessed: []string{"contact", "academic", "behaviour", "special-category", "location"},
			Hosting:       "UK (fictional data centre)",
		},
		// Risk scores of pupils with bias concerns; heavy on sensitive data.
		profile: profile{
			pedagogy: 1.9, privacy: 2.4, workload: 2.0, autonomy: 2.5, practices: 3.0, spread: 0.85, unknown: 0.14, na: 0.06,
			overrides: []override{
				{dim: "pedagogy", keywords: []string{"bias", "equal", "fair", "high-stakes"}, level: 0.7, spread: 0.6},
				{dim: "privacy", keywords: []string{"profil", "minimum", "delet"}, level: 0.9, spread: 0.7},
				{dim: "autonomy", keywords: []string{"human", "decision", "explain"}, level: 1.2, spread: 0.7},
				{dim: "workload", keywords: []string{"alert"}, level: 1.1, spread: 0.7},
			},
			shifts: []shift{{role: "leader", dim: "workload", delta: 0.8}},
			notes: []note{
				{worry, "The risk scores follow postcode and free-school-meal status more than attendance."},
				{worry, "Letters to families go out automatically when a pupil crosses a threshold."},
			},
			remarks: []remark{
				{dim: "pedagogy", high: false, text: "Pupils with SEND are flagged far more often, and nobody can tell us why."},
				{dim: "privacy", high: false, text: "It combines health notes with attendance data to make the prediction."},
			},
		},
		reviews: 20,
	},
	{
		product: registry.Product{
			ID: "progress-periscope", Name: "Progress Periscope", Vendor: "Periscope Data Ltd (fictional)",
			Website: "https://progress-periscope.example", Category: "analytics",
			Description:   "Dashboards of pupils' attainment that rank classes and teachers against each other." + fictional,
			AIFeatures:    []string{"predictive"},
			UsedBy:        []string{"staff"},
			DataProcessed: []string{"academic", "usage", "staff-performance"},
			Hosting:       "UK (fictional data centre)",
		},
		// Useful data, but used to judge teachers.
		profile: profile{
			pedagogy: 2.6, privacy: 2.9, workload: 2.4, autonomy: 2.6, practices: 3.4, spread: 0.75, unknown: 0.08, na: 0.05,
			overrides: []override{
				{dim: "autonomy", keywords: []string{"appraisal", "perform", "monitor", "judge"}, level: 0.6, spread: 0.6},
			},
			shifts: []shift{{role: "leader", dim: "autonomy", delta: 1.3}},
			notes: []note{
				{worry, "Class league tables appear in appraisal meetings."},
				{mixed, "The attainment data is useful; the teacher rankings are not."},
			},
			remarks: []remark{
				{dim: "autonomy", high: false, text: "My appraisal target was set from its 'value added' figure for my class."},
			},
		},
		reviews: 12,
	},
	{
		product: registry.Product{
			ID: "glasshouse-observer", Name: "Glasshouse Classroom Observer", Vendor: "Glasshouse Insight Ltd (fictional)",
			Website: "https://glasshouse-observer.example", Category: "monitoring",
			Description:   "Records lessons through classroom cameras and scores teacher talk time, pace and 'engagement'." + fictional,
			AIFeatures:    []string{"monitoring", "predictive", "automated-decisions"},
			UsedBy:        []string{"staff"},
			AgeRange:      &registry.AgeRange{Min: 4, Max: 18},
			DataProcessed: []string{"biometric", "behaviour", "usage", "staff-performance"},
			Hosting:       "UK and USA (fictional data centres)",
		},
		// Judges staff performance: scores 0–1 on the red-flag criteria about
		// staff monitoring, appraisal and emotion recognition.
		profile: profile{
			pedagogy: 1.6, privacy: 1.8, workload: 1.4, autonomy: 0.9, practices: 2.8, spread: 0.7, unknown: 0.12, na: 0.04,
			overrides: []override{
				{dim: "privacy", keywords: []string{"emotion", "biometric", "profil"}, level: 0.3, spread: 0.45},
				{dim: "autonomy", keywords: []string{"appraisal", "perform", "monitor", "surveil", "judge", "emotion", "consult", "choice", "choose"}, level: 0.3, spread: 0.45},
			},
			shifts: []shift{{role: "leader", dim: "autonomy", delta: 1.2}, {role: "leader", dim: "workload", delta: 1.0}},
			notes: []note{
				{worry, "Staff were told the recordings are for coaching; the scores are now in appraisal paperwork."},
				{worry, "It claims to measure pupils' and teachers' 'engagement' from faces, which we consider emotion recognition."},
				{worry, "Nobody was consulted before the cameras went up."},
			},
			remarks: []remark{
				{dim: "autonomy", high: false, text: "My 'engagement score' was raised at my performance review."},
				{dim: "privacy", high: false, text: "It infers mood from facial expressions of staff and pupils."},
				{dim: "workload", high: false, text: "We now have to write responses to every low-scoring lesson report."},
			},
		},
		reviews: 30,
	},
	{
		product: registry.Product{
			ID: "nightjar-safeguard", Name: "Nightjar Safeguard", Vendor: "Nightjar Online Safety (fictional)",
			Website: "https://nightjar-safeguard.example", Category: "monitoring",
			Description:   "Monitors pupils' school devices for safeguarding risks and alerts designated staff." + fictional,
			AIFeatures:    []string{"monitoring", "predictive"},
			UsedBy:        []string{"staff"},
			AgeRange:      &registry.AgeRange{Min: 8, Max: 18},
			DataProcessed: []string{"contact", "behaviour", "special-category", "location", "usage"},
			Hosting:       "UK (fictional data centre)",
		},
		// Needed for safeguarding, but floods staff with alerts.
		profile: profile{
			pedagogy: 2.4, privacy: 2.4, workload: 1.3, autonomy: 2.6, practices: 3.4, spread: 0.75, unknown: 0.1, na: 0.15,
			overrides: []override{
				{dim: "privacy", keywords: []string{"minimum", "delet", "profil"}, level: 1.1, spread: 0.7},
				{dim: "workload", keywords: []string{"alert"}, level: 0.5, spread: 0.5},
			},
			notes: []note{
				{mixed, "It has caught real concerns, but the false alarms are relentless."},
				{worry, "Alerts arrive in the evenings and at weekends with no agreement on who answers them."},
			},
			remarks: []remark{
				{dim: "workload", high: false, text: "Our DSL gets over a hundred alerts a week, most of them about song lyrics."},
				{dim: "privacy", high: false, text: "It keeps screenshots of pupils' screens for a year."},
			},
		},
		reviews: 24,
	},
	{
		product: registry.Product{
			ID: "invigilark-proctor", Name: "Invigilark Proctor", Vendor: "Invigilark Exams (fictional)",
			Website: "https://invigilark.example", Category: "monitoring",
			Description:   "Remote exam proctoring with webcam face matching and automatic flags for suspected cheating." + fictional,
			AIFeatures:    []string{"monitoring", "automated-decisions"},
			UsedBy:        []string{"pupils", "staff"},
			AgeRange:      &registry.AgeRange{Min: 16, Max: 25},
			DataProcessed: []string{"contact", "academic", "biometric", "location", "behaviour"},
			Hosting:       "USA (fictional cloud region)",
		},
		// Biometric data and automated accusations: a critical privacy risk.
		profile: profile{
			pedagogy: 1.5, privacy: 1.5, workload: 1.9, autonomy: 1.7, practices: 2.0, spread: 0.7, unknown: 0.15, na: 0.08,
			overrides: []override{
				{dim: "privacy", keywords: []string{"biometric", "emotion", "profil", "minimum", "delet"}, level: 0.4, spread: 0.5},
				{dim: "pedagogy", keywords: []string{"fair", "bias", "high-stakes"}, level: 0.5, spread: 0.5},
				{dim: "autonomy", keywords: []string{"human", "decision"}, level: 0.6, spread: 0.6},
			},
			notes: []note{
				{worry, "Students with darker skin were flagged by the face check far more often."},
				{worry, "The automatic cheating flags are treated as evidence by the exams office."},
			},
			remarks: []remark{
				{dim: "privacy", high: false, text: "Face scans are sent to a sub-processor outside the UK."},
				{dim: "autonomy", high: false, text: "Staff cannot clear a flag; only the vendor's review team can."},
			},
		},
		reviews: 10,
	},
	{
		product: registry.Product{
			ID: "rotaweave", Name: "Rotaweave", Vendor: "Weftline Systems (fictional)",
			Website: "https://rotaweave.example", Category: "administration",
			Description:   "Builds timetables and allocates cover automatically from staff availability." + fictional,
			AIFeatures:    []string{"predictive", "automated-decisions"},
			UsedBy:        []string{"staff"},
			DataProcessed: []string{"contact", "usage", "staff-performance"},
			Hosting:       "EU (fictional data centre)",
		},
		// Automated cover allocation that staff cannot question.
		profile: profile{
			pedagogy: 2.6, privacy: 2.9, workload: 2.1, autonomy: 2.1, practices: 3.4, spread: 0.75, unknown: 0.08, na: 0.2,
			overrides: []override{
				{dim: "autonomy", keywords: []string{"choice", "choose", "override", "explain"}, level: 0.8, spread: 0.6},
			},
			shifts: []shift{{role: "leader", dim: "workload", delta: 1.2}, {role: "support-staff", dim: "workload", delta: -0.6}},
			notes: []note{
				{praise, "The timetable took a day instead of a fortnight."},
				{worry, "Cover falls on the same few people and nobody can see why."},
			},
			remarks: []remark{
				{dim: "autonomy", high: false, text: "Cover is assigned by the system and there is no way to appeal."},
			},
		},
		reviews: 9,
	},
	{
		product: registry.Product{
			ID: "letterkite", Name: "Letterkite", Vendor: "Kiteline Office (fictional)",
			Website: "https://letterkite.example", Category: "administration",
			Description:   "Drafts and translates letters to families in their home languages." + fictional,
			AIFeatures:    []string{"generative"},
			UsedBy:        []string{"staff", "parents"},
			DataProcessed: []string{"contact", "usage"},
			Hosting:       "UK (fictional data centre)",
		},
		// Brand new, a single review so far.
		profile: profile{
			pedagogy: 2.9, privacy: 3.0, workload: 3.3, autonomy: 3.2, practices: 3.6, spread: 0.7, unknown: 0.08, na: 0.25,
			notes: []note{{praise, "Families who speak Polish and Romanian at home have said the letters are clear."}},
		},
		reviews: 1,
	},
	{
		product: registry.Product{
			ID: "weathervane-wellbeing", Name: "Weathervane Wellbeing", Vendor: "Windrose Wellbeing (fictional)",
			Website: "https://weathervane-wellbeing.example", Category: "other",
			Description:   "Daily mood check-ins for pupils, with sentiment analysis that alerts staff to pupils it thinks are struggling." + fictional,
			AIFeatures:    []string{"monitoring", "predictive"},
			UsedBy:        []string{"pupils", "staff"},
			AgeRange:      &registry.AgeRange{Min: 8, Max: 16},
			DataProcessed: []string{"contact", "behaviour", "special-category", "usage"},
			Hosting:       "USA (fictional cloud region)",
		},
		// Emotion inference on children: a critical privacy red flag.
		profile: profile{
			pedagogy: 2.0, privacy: 1.7, workload: 1.8, autonomy: 2.6, practices: 2.6, spread: 0.8, unknown: 0.15, na: 0.1,
			overrides: []override{
				{dim: "privacy", keywords: []string{"emotion", "special", "profil"}, level: 0.3, spread: 0.45},
			},
			notes: []note{
				{worry, "Children learn quickly which emoji stops the follow-up questions."},
				{worry, "It labels pupils' moods from what they type, which we think is emotion recognition."},
			},
			remarks: []remark{
				{dim: "privacy", high: false, text: "Mood histories are kept and shown to any staff member with access."},
				{dim: "workload", high: false, text: "Form tutors are expected to follow up every red check-in the same day."},
			},
		},
		reviews: 8,
	},
}

// Products returns the fictional sample products, one or more in every
// category, all active. Each call returns fresh copies that the caller may
// change; timestamps and revisions are left for the store to set.
func Products() []*registry.Product {
	out := make([]*registry.Product, len(catalogue))
	for i := range catalogue {
		p := catalogue[i].product
		p.AIFeatures = append([]string(nil), p.AIFeatures...)
		p.UsedBy = append([]string(nil), p.UsedBy...)
		p.DataProcessed = append([]string(nil), p.DataProcessed...)
		if p.AgeRange != nil {
			a := *p.AgeRange
			p.AgeRange = &a
		}
		p.Status = registry.ProductActive
		out[i] = &p
	}
	return out
}

// ReviewCount is the default number of reviews of the i-th product of
// Products(): between 8 and 40 for most, and fewer than 3 for two of them so
// that the "insufficient" state shows. Indices past the sample products get
// 12.
func ReviewCount(i int) int {
	if i < 0 || i >= len(catalogue) {
		return 12
	}
	return catalogue[i].reviews
}
