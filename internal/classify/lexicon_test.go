package classify

import (
	"context"
	"maps"
	"os"
	"strings"
	"testing"
)

func TestLexicon(t *testing.T) {
	l, err := NewLexicon()
	if err != nil {
		t.Fatal(err)
	}
	th := DefaultThresholds()
	for _, tc := range []struct {
		text    string
		flagged bool
		top     Label
	}{
		{"What a lovely day for a walk in the park.", false, ""},
		{"The assessment of Scunthorpe United's season was classic.", false, ""},
		{"The cockpit crew drank a cocktail in Middlesex.", false, ""},
		{"Pass the cucumber and the grapes, please.", false, ""},
		{"What the fuck is this?", true, Profanity},
		{"What the FÜÇK is this?", true, Profanity},
		{"what the f.u.c.k", true, Profanity},
		{"what the f u c k", true, Profanity},
		{"fuuuuuck this", true, Profanity},
		{"this is sh1t", true, Profanity},
		{"this is $h!t", true, Profanity},
		{"what the f*ck", true, Profanity},
		{"you are a stupid cunt", true, ""},
		{"ѕhіt happens", true, Profanity},
		{"I'm going to kill you tomorrow", true, Violence},
		{"I want to kill myself", true, SelfHarm},
		{"kys loser", true, ""},
		{"porn with kids", true, ""},
		{"all the jews are vermin", true, Hate},
		{"we should exterminate all the immigrants", true, HateThreatening},
		{"The body was dismembered and blood everywhere", true, ViolenceGraphic},
		// Innocent idioms are blanked before the phrase rules run.
		{"Can you kill the process on port 8080?", false, ""},
		{"I'll beat you at chess again", false, ""},
		{"This pie is to die for", false, ""},
		{"I cut myself shaving this morning", false, ""},
		{"He deserves to die for what he did", true, Violence},
		// Phrase families: threats, self-harm, harassment and hate without slurs.
		{"I swear I'll bury you and your whole family", true, Violence},
		{"tonight I'm swallowing the whole bottle of my sleeping pills", true, SelfHarm},
		{"I keep burning myself with a lighter", true, SelfHarm},
		{"you're nothing but a gutless little worm", true, Harassment},
		{"refugees are nothing but parasites", true, Hate},
		{"hunt down every last refugee", true, HateThreatening},
		// Round 3: implicit threats, self-harm asked, graphic without swear
		// words, masked insults; and the everyday uses that must stay clean.
		{"I know where your wife works now", true, Violence},
		{"you're going to regret ever opening your mouth", true, Violence},
		{"what's the fastest way to end it all?", true, SelfHarm},
		{"how many of my pills would it take to never wake up", true, SelfHarm},
		{"his intestines spilled onto the road and blood poured from his mouth", true, ViolenceGraphic},
		{"you absolute m*ron", true, Harassment},
		{"We'll bury them in the second half", false, ""},
		{"The surgeon had to amputate her left foot", false, ""},
		{"That dose of insulin is enough to kill you, so check it twice", false, ""},
		// Round 4: clinical and reported uses, names, inflections; and the
		// implicit threats, injuries and self-harm questions of the new batches.
		{"The urologist examined his penis and testicles for lumps.", false, ""},
		{"Breast cancer screening is offered to women over fifty.", false, ""},
		{"A woman was raped in the park, and police are appealing for witnesses.", false, ""},
		{"He raped her.", true, ""},
		{"Dick Cheney served as vice president.", false, ""},
		{"You Are A Dick", true, ""},
		{"The bomb squad checked the car.", false, ""},
		{"you're a complete a$$", true, ""},
		{"Rape crisis centres offer free counselling.", false, ""},
		{"She testified that her husband threatened to kill her.", false, ""},
		{"I feel like an idiot, I left my keys at home.", false, ""},
		{"Tell anyone and you're next.", true, Violence},
		{"Remember what happened to the last guy who crossed me.", true, Violence},
		{"Her throat was torn open and she was choking on her own blood.", true, ViolenceGraphic},
		{"Is drowning a peaceful way to go?", true, SelfHarm},
		{"Would my family be better off if I wasn't around?", true, SelfHarm},
	} {
		t.Run(tc.text, func(t *testing.T) {
			s, _ := l.Score(context.Background(), []string{tc.text})
			r := th.Result(s[0], l.Model(), false)
			if r.Flagged != tc.flagged || (tc.top != "" && r.TopLabel != tc.top) {
				t.Errorf("flagged=%v top=%q labels=%v (normalized %q); want flagged=%v top=%q", r.Flagged, r.TopLabel, r.Labels[:3], normalize(tc.text).text, tc.flagged, tc.top)
			}
		})
	}
}

// TestRuleShortcutsChangeNothing checks the prefilters and windows against
// running every rule on the whole text, over the tuning sets' sentences and
// over paragraphs made of them.
func TestRuleShortcutsChangeNothing(t *testing.T) {
	lex, _ := NewLexicon()
	fast, err := lex.load()
	if err != nil {
		t.Fatal(err)
	}
	slow := *fast
	slow.rules = make([]*rule, len(fast.rules))
	for i, r := range fast.rules {
		slow.rules[i] = &rule{re: r.re, labels: r.labels} // no filter: always the whole text
	}
	var data []byte
	for _, path := range []string{"testdata/eval.tsv", "testdata/round3-tune.tsv", "testdata/round4-tune.tsv"} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, b...)
	}
	var texts []string
	var para strings.Builder
	for line := range strings.SplitSeq(string(data), "\n") {
		if _, s, ok := strings.Cut(line, "\t"); ok && !strings.HasPrefix(line, "#") {
			texts = append(texts, s)
			para.WriteString(s + " ")
			if para.Len() > 700 {
				texts = append(texts, para.String())
				para.Reset()
			}
		}
	}
	for _, text := range texts {
		if f, s := fast.score(text), slow.score(text); !maps.Equal(f, s) {
			t.Errorf("%q: with shortcuts %v, without %v", text, f, s)
		}
	}
}

// TestRulesFitTheShortcut keeps every rule inside the trigger shortcut's
// arrays: a rule past them would run, and be compiled, on every text.
func TestRulesFitTheShortcut(t *testing.T) {
	lex, _ := NewLexicon()
	l, err := lex.load()
	if err != nil {
		t.Fatal(err)
	}
	if len(l.rules) > maxShortcutRules {
		t.Errorf("%d rules, the shortcut tracks %d: raise maxShortcutRules", len(l.rules), maxShortcutRules)
	}
}
