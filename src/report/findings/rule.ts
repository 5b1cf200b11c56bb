import type {Finding, RuleMeta} from './finding.js'

/**
 * The one rule shape of every checking command, ESLint's made pure: `meta` says what the rule is (the
 * same fields in every family) and `check` judges one subject (a label set, a gateway config, the
 * service view) in its family's context of facts, and returns the findings.
 */
export interface Rule<Subject, Context, Meta extends RuleMeta = RuleMeta> {
  meta: Meta
  check(subject: Subject, context: Context): Finding[]
}

/** What report() takes in every family: the words of a finding. Each family adds where it points. */
export interface ReportDescriptor {
  message: string
  /** What to do about it. */
  hint?: string
  evidence?: Record<string, unknown>
}

/** The context a rule's own check sees: its family's facts, and report() bound to the rule. */
export type ReportingContext<Context, Descriptor> = Context & {
  /** A finding of this rule (its id, its severity) from a descriptor, as ESLint's context.report. */
  report(descriptor: Descriptor): Finding
}

/** A rule as written: its meta (a family may fill in some of it, such as docs), and a check that reports through its context. */
export interface RuleDefinition<Subject, Context, Descriptor, Meta = RuleMeta> {
  meta: Meta
  check(subject: Subject, context: ReportingContext<Context, Descriptor>): Finding[]
}

/**
 * A rule from its definition and its family's finding builder. check() takes the family's plain
 * context and hands the definition's check the same facts with report() bound to this rule, as ESLint
 * gives each rule a context of its own: callers (linters, doctor, tests) never build reporters.
 * One reporting context per rule and context object, made on first use: lint-labels calls every
 * rule once per label set with the same context (a copy per call: docs/performance.md).
 */
export function withReport<Subject, Context extends object, Descriptor, Meta extends RuleMeta>(
  definition: RuleDefinition<Subject, Context, Descriptor, Meta>,
  toFinding: (meta: Meta, descriptor: Descriptor, context: Context) => Finding,
): Rule<Subject, Context, Meta> {
  const {meta} = definition
  const reporting = new WeakMap<Context, ReportingContext<Context, Descriptor>>()
  return {
    meta,
    check(subject, context) {
      let bound = reporting.get(context)
      if (!bound)
        reporting.set(
          context,
          (bound = {...context, report: (descriptor: Descriptor) => toFinding(meta, descriptor, context)}),
        )
      return definition.check(subject, bound)
    },
  }
}
