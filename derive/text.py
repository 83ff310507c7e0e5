"""Every sentence the printers write, in English and Chinese, by key.

Rule keys name the step of a derivation (``chain_rule``); printers look the
words up here, so a derivation is the same data in every language.  Symbols in
a sentence are placeholders (``{E}``, ``{O_j}``: the loss, a hidden node's
output, ``{k}``: the output layer's node letter) filled from the notation.
"""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    # section headings
    "activations": {"en": "The activation functions", "zh": "激活函数"},
    "forward": {"en": "Forward pass and error", "zh": "正向计算与误差函数"},
    "output_layer": {"en": "Output layer", "zh": "输出层与隐藏层之间的权值调整"},
    "hidden_layer": {"en": "Hidden layer", "zh": "隐藏层与输入层之间的权值调整"},
    "hidden_layer_back": {
        "en": "Hidden layer, {n} back from the output",
        "zh": "隐藏层（从输出层往回第 {n} 层）",
    },
    "matrix": {
        "en": "Matrix form (one sample, column vectors)",
        "zh": "矩阵形式（单个样本，列向量）",
    },
    "matrix_rows": {
        "en": "Matrix form (a batch, one sample per row)",
        "zh": "矩阵形式（一批样本，每行一个样本）",
    },
    "book": {"en": "The book's formulation", "zh": "书中的写法"},
    "recurrence": {
        "en": "Every layer l: the recurrence (one sample; then a batch, rows are samples)",
        "zh": "任意一层 l 的递推式（单个样本；然后是一批样本，每行一个样本）",
    },
    "batch": {"en": "for a batch (rows are samples)", "zh": "一批样本（每行一个样本）"},
    "steps_output": {"en": "Step by step: an output-layer weight", "zh": "逐步推导：输出层权重"},
    "steps_hidden": {"en": "Step by step: a hidden-layer weight", "zh": "逐步推导：隐藏层权重"},
    # equation notes
    "dropped_constant": {
        "en": "the constant factor is dropped, as the book does: it is absorbed into the "
        "learning rate, so the left side is the gradient divided by it",
        "zh": "与书中一样去掉常数因子：它被并入学习率，因此左边是梯度除以该常数",
    },
    "book_update": {
        "en": "the book's update (the constant absorbed into the learning rate)",
        "zh": "书中的权重更新（常数并入学习率）",
    },
    "book_matrix": {
        "en": "the book's matrix update, its weight matrix is (next layer) x "
        "(previous layer); {E_k} is the output error {d_k - O_k}",
        "zh": "书中的矩阵更新，权重矩阵为（下一层）×（前一层）；{E_k} 是输出误差 {d_k - O_k}",
    },
    "book_update_no_constant": {
        "en": "the book's update (no constant to drop: it is the gradient step)",
        "zh": "书中的权重更新（没有可去掉的常数：它就是梯度下降的一步）",
    },
    "book_matrix_one_hot": {
        "en": "the book's matrix update, its weight matrix is (next layer) x "
        "(previous layer); {E_k} is the output error {d_k - O_k}; with one-hot targets only",
        "zh": "书中的矩阵更新，权重矩阵为（下一层）×（前一层）；{E_k} 是输出误差 {d_k - O_k}；"
        "仅当目标为独热编码时成立",
    },
    "book_exact": {
        "en": "the book's hidden-layer rule with {e_j}: here the output error {E_k} is the "
        "output layer's error term itself, so this IS the gradient step",
        "zh": "书中隐藏层的规则使用 {e_j}：这里输出误差 {E_k} 就是输出层的误差项，"
        "所以它就是梯度下降的一步",
    },
    "book_exact_one_hot": {
        "en": "the book's hidden-layer rule with {e_j}: with one-hot targets the output error "
        "{E_k} is the output layer's error term itself, so this IS the gradient step",
        "zh": "书中隐藏层的规则使用 {e_j}：当目标为独热编码时输出误差 {E_k} 就是输出层的误差项，"
        "所以它就是梯度下降的一步",
    },
    "book_hidden_error": {
        "en": "the book's back-propagated hidden error",
        "zh": "书中反向传播的隐藏层误差",
    },
    "approximation": {
        "en": "APPROXIMATION: the book's hidden-layer rule uses {e_j}, which leaves out the "
        "output activation's derivative inside the sum over {k}; it is not the gradient",
        "zh": "近似：书中隐藏层的规则使用 {e_j}，漏掉了对 {k} 求和中输出层激活函数的导数；"
        "它不是精确梯度",
    },
    "approximation_mean": {
        "en": "APPROXIMATION: the book's hidden-layer rule uses {e_j}, which leaves out the "
        "mean's 1/{K} inside the sum over {k}: its step is {K} times the gradient's",
        "zh": "近似：书中隐藏层的规则使用 {e_j}，漏掉了对 {k} 求和中均值的 1/{K}："
        "它的步长是梯度的 {K} 倍",
    },
    "exact": {
        "en": "the exact gradient keeps the derivative inside the sum over {k}",
        "zh": "精确梯度在对 {k} 的求和中保留了该导数",
    },
    "act_def": {"en": "the activation function", "zh": "激活函数"},
    "act_derivative": {"en": "its derivative", "zh": "它的导数"},
    "act_output_form": {
        "en": "its derivative in terms of the node's output",
        "zh": "用节点输出表示的导数",
    },
    "activation_is": {"en": "activation", "zh": "激活函数"},
    "loss_is": {"en": "loss", "zh": "误差函数"},
    "notation_is": {"en": "notation", "zh": "记号"},
    "one_hot": {
        "en": "with one-hot targets (sum of {d_k} = 1) this is {one_hot}",
        "zh": "当目标为独热编码（{d_k} 之和为 1）时即 {one_hot}",
    },
    "batch_mean": {
        "en": "the loss is the mean over the batch's {N} examples: a line in one example's "
        "values is that example's part, 1/{N} included, and the batch adds up the parts "
        "(the matrix forms below are that sum)",
        "zh": "损失是一批 {N} 个样本的平均：用一个样本的值写出的一行是该样本的那一份（含 1/{N}），"
        "整批把各份相加（下面的矩阵形式就是这个和）",
    },
    # rules of the step-by-step derivations
    "expand_loss": {"en": "expand the error function", "zh": "展开误差函数"},
    "drop_independent": {
        "en": "drop the terms that do not depend on the weight: only output {k} is joined to it",
        "zh": "去掉与该权重无关的项：只有输出节点 {k} 与它相连",
    },
    "chain_rule": {"en": "chain rule", "zh": "链式法则"},
    "substitute_jacobian": {
        "en": "put the activation's derivative into the sum: its Kronecker delta keeps one term",
        "zh": "把激活函数的导数代入求和：其中的克罗内克 δ 只留下一项",
    },
    "substitute_weighted_sum": {
        "en": "put the weighted sum's derivative into the chain rule",
        "zh": "把加权和的导数代入链式法则",
    },
    "decay_derivative": {
        "en": "the weight-decay term depends on this weight alone: its derivative is the "
        "coefficient times the weight",
        "zh": "权重衰减项只通过这个权重本身依赖于它：其导数是系数乘以该权重",
    },
    "power_rule": {"en": "power rule", "zh": "幂规则"},
    "loss_derivative": {"en": "derivative of the error function", "zh": "误差函数的导数"},
    "activation_derivative": {
        "en": "derivative of the activation function",
        "zh": "激活函数的导数",
    },
    "weighted_sum": {
        "en": "derivative of the weighted sum: the Kronecker delta collapses the sum",
        "zh": "加权和的导数：克罗内克 δ 使求和只剩一项",
    },
    "sum_over_outputs": {
        "en": "{E} depends on {O_j} through every output {k}: sum the chain rule over {k}",
        "zh": "{E} 通过每个输出节点 {k} 依赖于 {O_j}：对 {k} 求和应用链式法则",
    },
    "through_one_output": {
        "en": "{E} depends on {O_j} through the one output: one term of the chain rule",
        "zh": "{E} 只通过唯一的输出依赖于 {O_j}：链式法则只有一项",
    },
    "gradient_by_delta": {
        "en": "write the gradient with the error term",
        "zh": "用误差项写出梯度",
    },
    "output_form": {
        "en": "write the activation's derivative in terms of the node's output",
        "zh": "把激活函数的导数写成节点输出的函数",
    },
    "constant_derivative": {
        "en": "the activation's derivative is a constant: put in its value",
        "zh": "激活函数的导数是常数：代入它的值",
    },
    "define_delta": {
        "en": "name the error term (the local gradient)",
        "zh": "定义误差项（局部梯度）",
    },
    "update_rule": {
        "en": "gradient descent: the update goes against the gradient, scaled by the learning rate",
        "zh": "梯度下降：权重沿梯度的反方向改变，由学习率调节",
    },
    "matrix_form": {"en": "matrix form", "zh": "矩阵形式"},
    # the teaching pages (Markdown, HTML)
    "title": {"en": "Backpropagation, derived", "zh": "反向传播推导"},
    "intro": {
        "en": "Every equation below was derived by SymPy from the network's definition, "
        "not typed in; each step names the rule it uses.",
        "zh": "以下每个公式都由 SymPy 根据网络的定义推导得出，而非手工输入；每一步都注明所用的法则"
        "（链式法则、幂规则、求偏导数等）。",
    },
}


def say(key: str, lang: str = "en", names: dict[str, str] | None = None) -> str:
    """The sentence ``key`` in ``lang``; ``{E}``, ``{O_j}``, ``{k}`` ... are filled from
    ``names`` (the notation's symbols, see :func:`placeholders`): no symbol is written
    into a sentence here."""
    text = TEXT[key][lang]
    return text.format_map(names) if names is not None and "{" in text else text


def placeholders(key: str, lang: str = "en") -> tuple[str, ...]:
    """The symbol placeholders a sentence uses."""
    import string

    return tuple(f for _, f, _, _ in string.Formatter().parse(TEXT[key][lang]) if f)


LANGS = ("en", "zh")
