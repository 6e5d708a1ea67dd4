package demo

// Written sentences the sample reviews draw on. Comments are grouped by
// dimension and by band: low (scores 0–1), middling (2) and high (3–4).

const (
	bandLow = iota
	bandMid
	bandHigh
)

// comments holds general comments per dimension id and band. A dimension not
// listed here uses the "" entry.
var comments = map[string][3][]string{
	"pedagogy": {
		bandLow: {
			"The output is often wrong and pupils cannot tell when it is.",
			"It gives pupils the answer rather than helping them work it out.",
			"There is no evidence behind the vendor's claims about learning gains.",
			"It does not work with screen readers, so some of our pupils cannot use it.",
			"The content does not match our curriculum at all.",
		},
		bandMid: {
			"Useful for some classes, less so for pupils who need the most help.",
			"Accuracy is mostly fine but I have had to correct it in front of a class.",
			"Works well once staff have adapted it, not out of the box.",
			"Some accessibility settings exist but they are hard to find.",
		},
		bandHigh: {
			"It supports pupils' thinking instead of replacing it.",
			"Content is accurate and pitched at the right level.",
			"Accessibility options worked for our pupils with SEND.",
			"The vendor shared an independent evaluation of the learning impact.",
			"Pupils are pointed to a trusted adult when something worries them.",
		},
	},
	"privacy": {
		bandLow: {
			"The privacy notice allows data to be shared with partners for marketing.",
			"We were never shown a data processing agreement.",
			"Pupils' work is used to train the vendor's AI models.",
			"There is no way to have a pupil's data deleted when they leave.",
			"Tracking scripts from advertising networks load in the pupil app.",
		},
		bandMid: {
			"The DPIA was done, but some answers from the vendor were vague.",
			"Data is encrypted but the retention period is longer than we would like.",
			"The sub-processor list exists but is out of date.",
			"Parents can opt out, but only by emailing the vendor.",
		},
		bandHigh: {
			"Clear data processing agreement, UK hosting and a short retention period.",
			"Prompts and pupils' work are not used for training, in writing.",
			"Deletion on request worked within a week when we tested it.",
			"Multi-factor sign-in is on by default for staff accounts.",
		},
	},
	"workload": {
		bandLow: {
			"It has added work: checking its output takes longer than doing the task.",
			"No training was given in paid time; we learned it in our own evenings.",
			"The time it saves has been filled with new tasks.",
			"Frequent outages mean we keep a paper backup of everything.",
			"Alerts land on whoever is on duty, with no time set aside to deal with them.",
		},
		bandMid: {
			"Saves time on some tasks and adds it on others.",
			"One twilight session of training, which was not quite enough.",
			"Occasional errors cost time but are getting rarer.",
			"Support staff do most of the setting up, which nobody planned for.",
		},
		bandHigh: {
			"It genuinely saves me a few hours a week.",
			"Training was in directed time and covered what we needed.",
			"Reliable: I cannot remember it being down.",
			"A workload impact assessment was done before rollout and shared with staff.",
		},
	},
	"autonomy": {
		bandLow: {
			"We were told to use it; there was no consultation.",
			"Its output is treated as the decision, not a draft.",
			"Data from it is used in performance management.",
			"Staff cannot switch it off or change what it recommends.",
			"Our own resources uploaded to it now belong to the vendor under its terms.",
		},
		bandMid: {
			"Use is optional on paper but expected in practice.",
			"We can edit its suggestions, but it takes several clicks.",
			"Staff were informed before rollout, not consulted.",
			"Leaders say it is not used for appraisal, but nothing is in writing.",
		},
		bandHigh: {
			"Teachers decide whether and how to use it.",
			"Everything it produces is a draft we can change or ignore.",
			"The union was consulted and the agreement is in writing.",
			"We keep ownership of our own materials and can export them.",
		},
	},
	"": {
		bandLow: {
			"This is a real weakness.",
			"Not good enough for use in schools.",
			"Worse than the tools we used before.",
		},
		bandMid: {
			"Adequate, with some caveats.",
			"Mixed experience across our staff.",
			"Fine for now; we will look again next year.",
		},
		bandHigh: {
			"No concerns here.",
			"Works well in our setting.",
			"Better than we expected.",
		},
	},
}

// unknownComments explain a "don't know" answer, per dimension id.
var unknownComments = map[string][]string{
	"privacy": {
		"I could not find this in the vendor's documentation.",
		"The vendor did not answer when we asked.",
		"Our data protection officer is still waiting to hear back.",
		"The privacy notice does not say either way.",
	},
	"autonomy": {
		"Not something classroom staff were told about.",
		"Leaders have not said how the data will be used.",
	},
	"workload": {
		"Too early to tell; we have only used it for a term.",
		"Nobody has measured this in our school.",
	},
	"": {
		"I have not used it enough to judge this.",
		"Not something classroom staff were told about.",
		"Colleagues disagree and I cannot say myself.",
	},
}

// naComments explain a "not applicable" answer.
var naComments = []string{
	"We have this feature switched off.",
	"Pupils do not use it directly in our school.",
	"Does not apply to how we use it.",
}

// summaries are general summary sentences by recommendation.
var summaries = map[string][]string{
	"recommend": {
		"I would recommend it to colleagues.",
		"It does what it says and respects staff judgement.",
		"A sensible purchase if the school keeps the current settings.",
		"Worth having; the benefits are real and the risks are managed.",
		"Staff in our team would be sorry to lose it.",
		"The vendor has been responsive when we raised problems.",
	},
	"conditional": {
		"Usable, but only with the right agreement in place.",
		"I would recommend it only if the data protection questions are answered in writing.",
		"Fine as an optional tool; it should not be made compulsory.",
		"Check the settings carefully before rolling it out.",
		"It helps, but staff need paid time to learn it properly.",
		"Good in parts; the weaker parts need human checking.",
	},
	"not-recommended": {
		"I would not recommend it in its current form.",
		"The risks to pupils and staff outweigh the benefits.",
		"Our union group has asked the school to stop using it.",
		"It creates more problems than it solves.",
		"It should not be used until the vendor changes its terms.",
		"Not suitable for a school setting.",
	},
}

// conflicts are the rare conflict-of-interest declarations.
var conflicts = []string{
	"I was part of the school's pilot group and received a free licence during the trial.",
	"I attended a training day paid for by the vendor.",
	"A relative works for a company that resells this product.",
	"I spoke at a conference session sponsored by the vendor.",
}

// evidencePaths are paths on a product's website that a reviewer might cite.
var evidencePaths = []string{
	"/privacy",
	"/terms",
	"/trust/sub-processors",
	"/help/ai-settings",
	"/docs/data-retention",
	"/blog/release-notes",
	"/schools/dpa",
}

// Subjects by phase, for the reviewers who name one.
var (
	secondarySubjects = []string{
		"English", "Mathematics", "Science", "History", "Geography", "Computing", "Modern languages",
		"Art and design", "Music", "Physical education", "Religious education", "Design and technology",
	}
	furtherSubjects = []string{
		"Engineering", "Health and social care", "Business", "English", "Mathematics", "Construction", "Hair and beauty",
	}
	higherSubjects = []string{
		"Education", "Nursing", "Computer science", "Law", "Psychology", "History",
	}
	primarySubjects = []string{
		"Mathematics lead", "English lead", "Science", "Phonics", "Computing",
	}
	supportSubjects = []string{
		"SEND support", "Literacy intervention", "Numeracy intervention", "Exams office", "Pastoral",
	}
	specialistSubjects = []string{
		"SEND", "Educational psychology", "Speech and language", "Safeguarding", "Careers guidance",
	}
)
