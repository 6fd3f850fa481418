import { type InputHTMLAttributes, useId } from "react";

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  errors?: string[] | undefined;
}

/** A labelled input with its validation messages underneath, linked for screen readers. */
export function Field({ label, errors, ...input }: FieldProps) {
  const id = useId();
  const errorId = `${id}-error`;
  const invalid = (errors?.length ?? 0) > 0;
  return (
    <label htmlFor={id}>
      {label}
      <input id={id} aria-invalid={invalid} aria-describedby={invalid ? errorId : undefined} {...input} />
      {invalid && (
        <p id={errorId} className="error" data-field-error={input.name}>
          {errors?.join(" ")}
        </p>
      )}
    </label>
  );
}
