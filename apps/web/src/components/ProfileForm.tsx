import { type FormEvent, useState } from "react";
import { describeError, type Problem } from "../errors.ts";
import { api, currentSession, setSession, useSession } from "../session.ts";
import { ErrorText } from "./ErrorText.tsx";
import { Field } from "./Field.tsx";

/** Edits the signed-in user's name. */
export function ProfileForm() {
  const session = useSession();
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get("name") ?? "");
    setBusy(true);
    setProblem(null);
    setSaved(false);
    try {
      const user = await api.users.updateProfile.mutate({ name });
      const latest = currentSession();
      if (latest) setSession({ ...latest, user });
      setSaved(true);
    } catch (error) {
      setProblem(describeError(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="profile-title">
      <h2 id="profile-title">Profile</h2>
      <form onSubmit={submit} noValidate>
        <Field label="Email" name="email" value={session?.user.email ?? ""} readOnly />
        <Field label="Name" name="name" defaultValue={session?.user.name} errors={problem?.fields.name} />
        <ErrorText message={problem?.message} />
        {saved && (
          <p className="success" role="status">
            Profile saved.
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Save profile
        </button>
      </form>
    </section>
  );
}
