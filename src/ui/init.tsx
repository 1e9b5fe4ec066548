/**
 * `logline init` on a terminal: a short wizard — the handle of the first identity, then a first tenant to create
 * or an invitation token to join with. It only asks; the command does the work with the answers.
 */
import { Box, Text, render, useApp, useInput } from 'ink';
import { useRef, useState } from 'react';
import { isHandle } from '../identity/keystore.js';
import { decodeInvite } from '../tenants/invite.js';
import { slugify } from '../tenants/slug.js';

export type InitAnswers = { handle: string } & ({ mode: 'create'; tenant: string } | { mode: 'join'; token: string });

/** Resolves with the answers, or null when the person cancels (Esc, Ctrl-C). */
export async function runInitWizard(defaults: { handle: string; tenant: string }): Promise<InitAnswers | null> {
  let answers: InitAnswers | null = null;
  const app = render(<Wizard defaults={defaults} done={(a) => { answers = a; }} />, { exitOnCtrlC: true });
  await app.waitUntilExit();
  return answers;
}

type Step = 'handle' | 'mode' | 'tenant' | 'token';
const MODES = [
  { value: 'create', label: 'Create a tenant (you become its owner)' },
  { value: 'join', label: 'Join a tenant with an invitation token' },
] as const;

function Wizard({ defaults, done }: { defaults: { handle: string; tenant: string }; done: (a: InitAnswers) => void }) {
  const { exit } = useApp();
  const [step, setStep] = useState<Step>('handle');
  const [handle, setHandle] = useState(defaults.handle);
  const [mode, setMode] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const finish = (a: InitAnswers) => {
    done(a);
    exit();
  };

  useInput((_input, key) => {
    if (key.escape) exit();
    if (step !== 'mode') return;
    if (key.upArrow || key.downArrow) setMode((m) => (m + 1) % MODES.length);
    if (key.return) setStep(MODES[mode].value === 'create' ? 'tenant' : 'token');
  });

  return (
    <Box flexDirection="column">
      <Text bold>logline init</Text>
      <Text dimColor>Esc cancels; nothing is written until the last answer.</Text>
      {step === 'handle' ? (
        <Field label="Handle of your identity" initial={defaults.handle} onSubmit={(v) => {
          if (!isHandle(v)) return setError('1–64 lower-case letters, digits, ".", "_" or "-"');
          setError(null);
          setHandle(v);
          setStep('mode');
        }} />
      ) : <Text>Handle of your identity: <Text color="green">{handle}</Text></Text>}
      {step === 'mode' ? (
        <Box flexDirection="column">
          <Text>First tenant (↑/↓, Enter):</Text>
          {MODES.map((m, i) => <Text key={m.value} color={i === mode ? 'cyan' : undefined}>{i === mode ? '› ' : '  '}{m.label}</Text>)}
        </Box>
      ) : null}
      {step === 'tenant' ? (
        <Field label="Name of the tenant" initial={defaults.tenant} hint={(v) => `slug: ${slugify(v)}`} onSubmit={(v) => finish({ handle, mode: 'create', tenant: v.trim() || defaults.tenant })} />
      ) : null}
      {step === 'token' ? (
        <Field label="Invitation token" initial="" onSubmit={(v) => {
          try {
            decodeInvite(v);
          } catch (e) {
            return setError((e as Error).message);
          }
          finish({ handle, mode: 'join', token: v.trim() });
        }} />
      ) : null}
      {error ? <Text color="red">{error}</Text> : null}
    </Box>
  );
}

/** One line of text input: typing (or pasting), Backspace, Ctrl-U to clear, Enter to submit. */
function Field({ label, initial, hint, onSubmit }: { label: string; initial: string; hint?: (v: string) => string; onSubmit: (v: string) => void }) {
  const [value, setValue] = useState(initial);
  // the text so far, read by each key as it comes: keys (a long paste arrives in several chunks, then Enter) can
  // come faster than renders, and a render's `value` would then be stale
  const text = useRef(initial);
  const set = (v: string) => {
    text.current = v;
    setValue(v);
  };
  useInput((input, key) => {
    if (key.ctrl && input === 'u') return set('');
    if (key.return) return onSubmit(text.current);
    if (key.backspace || key.delete) return set(text.current.slice(0, -1));
    if (!input || key.ctrl || key.meta || key.escape) return;
    // a paste (or keys that arrived together) may end with Enter
    const end = input.search(/[\r\n]/);
    if (end < 0) return set(text.current + input);
    set(text.current + input.slice(0, end));
    onSubmit(text.current);
  });
  return (
    <Box flexDirection="column">
      <Text>{label}: <Text color="cyan">{value}</Text><Text inverse> </Text></Text>
      {hint ? <Text dimColor>{hint(value)}</Text> : null}
    </Box>
  );
}
