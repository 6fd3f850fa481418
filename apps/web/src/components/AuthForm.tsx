import { type FormEvent, useState } from "react";
import { describeError, type Problem } from "../errors.ts";
import { api, setSession } from "../session.ts";
import { ErrorText } from "./ErrorText.tsx";
import { Field } from "./Field.tsx";

/** Sign up or sign in; the session (tokens) is kept in memory. */
export function AuthForm() {
  const [mode, setMode] = useState<"signUp" | "signIn">("signUp");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    setBusy(true);
    setProblem(null);
    try {
      const session =
        mode === "signUp"
          ? await api.users.signUp.mutate({ email, password, name: String(form.get("name") ?? "") })
          : await api.users.signIn.mutate({ email, password });
      setSession(session);
    } catch (error) {
      setProblem(describeError(error));
    } finally {
      setBusy(false);
    }
  }

  const title = mode === "signUp" ? "Create an account" : "Sign in";
  return (
    <section aria-labelledby="auth-title">
      <h2 id="auth-title">{title}</h2>
      <form onSubmit={submit} noValidate>
        {mode === "signUp" && (
          <Field label="Name" name="name" autoComplete="name" required errors={problem?.fields.name} />
        )}
        <Field label="Email" name="email" type="email" autoComplete="email" errors={problem?.fields.email} />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete={mode === "signUp" ? "new-password" : "current-password"}
          errors={problem?.fields.password}
        />
        <ErrorText message={problem?.message} />
        <button type="submit" className="primary" disabled={busy}>
          {title}
        </button>
      </form>
      <p>
        <button
          type="button"
          onClick={() => {
            setMode(mode === "signUp" ? "signIn" : "signUp");
            setProblem(null);
          }}
        >
          {mode === "signUp" ? "I already have an account" : "Create a new account"}
        </button>
      </p>
    </section>
  );
}
